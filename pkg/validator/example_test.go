package validator_test

import (
	"encoding/json"
	"fmt"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/validator"
)

// A config as Kong hands it to warden-validator, then two requests: one
// whose body and path parameter conform, one that breaks both.
func Example() {
	raw, _ := json.Marshal(map[string]any{
		"operations": []any{map[string]any{
			"method": "POST", "path": "/orders/{id}",
			"parameters":  []any{map[string]any{"name": "id", "in": "path", "schema": `{"type": "integer"}`}},
			"body_schema": `{"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "minItems": 1}}}`,
		}},
	})
	cfg, err := config.Load[validator.Config](raw) // decode, defaults, Validate
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := validator.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	check := func(target, body string) {
		d, err := v.Check(&validator.Request{
			Method: "POST", PathWithQuery: target,
			Headers: map[string][]string{"content-type": {"application/json"}},
		}, func(int64) ([]byte, error) { return []byte(body), nil })
		if err != nil {
			fmt.Println(err)
			return
		}
		if d.Valid() {
			fmt.Println(target, "valid:", d.Operation)
			return
		}
		fmt.Println(target, d.Status, d.Total, "violations:")
		for _, vi := range d.Violations {
			fmt.Printf("  %s: %s (%s)\n", vi.Location, vi.Code, vi.Message)
		}
	}
	check("/orders/42", `{"items": [1]}`)
	check("/orders/x", `{"items": []}`)
	// Output:
	// /orders/42 valid: POST /orders/{id}
	// /orders/x 400 2 violations:
	//   body/items: min_items (must have at least 1 items)
	//   path/id: type (must be of type integer)
}
