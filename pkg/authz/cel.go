package authz

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/checker"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// Needs says which parts of a request a rule reads beyond its method and
// path. The adapter fetches only what the rules a request matched need,
// since each part is a round trip to Kong.
type Needs uint8

// Request parts.
const (
	NeedIdentity Needs = 1 << iota
	NeedHost
	NeedQuery
	NeedHeaders
	NeedIP
)

// CELRequest is what a condition sees as `request`.
type CELRequest struct {
	Method string `cel:"method"`
	// Path is the normalized path.
	Path string `cel:"path"`
	Host string `cel:"host"`
	// Params are the path parameters the matched template captured,
	// percent-decoded.
	Params map[string]string `cel:"params"`
	// Query holds every value of each query argument, in order: no value
	// is picked for the expression.
	Query map[string][]string `cel:"query"`
	// Headers holds each header's values joined with ", ", names lower
	// case.
	Headers map[string]string `cel:"headers"`
	// IP is the client IP as Kong resolves it.
	IP string `cel:"ip"`
}

// CELIdentity is what a condition sees as `identity`.
type CELIdentity struct {
	Subject  string         `cel:"subject"`
	Issuer   string         `cel:"issuer"`
	Method   string         `cel:"method"`
	Claims   map[string]any `cel:"claims"`
	Scopes   []string       `cel:"scopes"`
	Roles    []string       `cel:"roles"`
	Groups   []string       `cel:"groups"`
	Consumer CELConsumer    `cel:"consumer"`
}

// CELConsumer is the Kong consumer as a condition sees it.
type CELConsumer struct {
	ID       string `cel:"id"`
	Username string `cel:"username"`
	CustomID string `cel:"custom_id"`
}

// celTypeName is how cel-go's native types name a Go struct: the last
// element of its package path, a dot, the type name.
func celTypeName(t reflect.Type) string {
	p := t.PkgPath()
	return p[strings.LastIndexByte(p, '/')+1:] + "." + t.Name()
}

var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(reflect.TypeFor[CELRequest](), reflect.TypeFor[CELIdentity](),
			reflect.TypeFor[CELConsumer](), ext.ParseStructTags(true)),
		cel.Variable("request", cel.ObjectType(celTypeName(reflect.TypeFor[CELRequest]()))),
		cel.Variable("identity", cel.ObjectType(celTypeName(reflect.TypeFor[CELIdentity]()))),
		ext.Strings(),
		cel.ParserExpressionSizeLimit(maxConditionBytes),
		cel.ParserRecursionLimit(32),
	)
})

// condition is one compiled CEL condition.
type condition struct {
	prg   cel.Program
	needs Needs
	// cost is the static worst-case estimate, for reports.
	cost uint64
}

var errNotBool = errors.New("condition must evaluate to a bool")

// compileCondition parses, type-checks and plans src with a runtime cost
// limit, and refuses it if its worst case (with every collection and
// string at the size limits Kong and NormalizePath allow) exceeds limit.
func compileCondition(src string, limit uint64) (*condition, error) {
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("building CEL environment: %w", err)
	}
	a, iss := env.Compile(src)
	if iss.Err() != nil {
		return nil, errors.New(strings.ReplaceAll(iss.Err().Error(), "\n", " "))
	}
	if a.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("%w, not %s", errNotBool, a.OutputType())
	}
	est, err := env.EstimateCost(a, sizeBound{})
	if err != nil {
		return nil, fmt.Errorf("estimating cost: %w", err)
	}
	if est.Max > limit {
		return nil, fmt.Errorf("worst-case cost %d exceeds condition_cost_limit %d", est.Max, limit)
	}
	prg, err := env.Program(a, cel.CostLimit(limit), cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, err
	}
	return &condition{prg: prg, needs: conditionNeeds(a.NativeRep()), cost: est.Max}, nil
}

// conditionNeeds finds the request fields and whether the identity an
// expression reads. A bare `request` (passed whole to a function) needs
// every part.
func conditionNeeds(a *ast.AST) Needs {
	var n Needs
	selected := map[int64]bool{}
	var idents []int64
	ast.PreOrderVisit(ast.NavigateAST(a), ast.NewExprVisitor(func(e ast.Expr) {
		switch e.Kind() {
		case ast.SelectKind:
			s := e.AsSelect()
			if op := s.Operand(); op.Kind() == ast.IdentKind && op.AsIdent() == "request" {
				selected[op.ID()] = true
				n |= fieldNeeds[s.FieldName()]
			}
		case ast.IdentKind:
			switch e.AsIdent() {
			case "request":
				idents = append(idents, e.ID())
			case "identity":
				n |= NeedIdentity
			}
		}
	}))
	for _, id := range idents {
		if !selected[id] {
			n |= NeedHost | NeedQuery | NeedHeaders | NeedIP
		}
	}
	return n
}

var fieldNeeds = map[string]Needs{"host": NeedHost, "query": NeedQuery, "headers": NeedHeaders, "ip": NeedIP}

// eval runs the condition. An error (a missing key, the cost limit) is
// returned, and the caller fails closed.
func (c *condition) eval(act *celActivation) (bool, error) {
	out, _, err := c.prg.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, errNotBool
	}
	return b, nil
}

// celActivation resolves the two variables without building a map.
type celActivation struct {
	req *CELRequest
	id  *CELIdentity
}

func (a *celActivation) ResolveName(name string) (any, bool) {
	switch name {
	case "request":
		return a.req, true
	case "identity":
		if a.id == nil {
			return nil, false
		}
		return a.id, true
	}
	return nil, false
}

func (a *celActivation) Parent() interpreter.Activation { return nil }

// sizeBound bounds every string and collection for the static estimate:
// a string (path, header, claim) is at most MaxPathLength bytes and a
// collection (or a claim of unknown type) has at most maxCollection
// elements. The runtime limit is enforced whatever the estimate.
type sizeBound struct{}

func (sizeBound) EstimateSize(n checker.AstNode) *checker.SizeEstimate {
	if k := n.Type().Kind(); k == types.ListKind || k == types.MapKind || k == types.DynKind {
		return &checker.SizeEstimate{Min: 0, Max: maxCollection}
	}
	return &checker.SizeEstimate{Min: 0, Max: MaxPathLength}
}

// maxCollection is the most headers or query arguments the adapter asks
// Kong for, and the bound assumed for claim arrays.
const maxCollection = 1000

func (sizeBound) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}
