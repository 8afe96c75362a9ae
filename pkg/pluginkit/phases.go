package pluginkit

import "github.com/Kong/go-pdk"

// go-pdk finds a plugin's phases by reflecting on the methods of the value
// its constructor returns (go-pdk server/rpc.go getHandlerNames) and calls
// them as func(*pdk.PDK). Each declared phase costs Kong an event round
// trip per request, so the value handed to go-pdk must have exactly the
// handler's phases: one small type per combination, assembled from
// single-phase mixins that all point at the same instance.

const (
	bitRewrite = 1 << iota
	bitAccess
	bitResponse
	bitLog
)

type mRewrite struct{ in *instance }
type mAccess struct{ in *instance }
type mResponse struct{ in *instance }
type mLog struct{ in *instance }

func (m mRewrite) Rewrite(k *pdk.PDK)   { m.in.run(PhaseRewrite, k) }
func (m mAccess) Access(k *pdk.PDK)     { m.in.run(PhaseAccess, k) }
func (m mResponse) Response(k *pdk.PDK) { m.in.run(PhaseResponse, k) }
func (m mLog) Log(k *pdk.PDK)           { m.in.run(PhaseLog, k) }

type (
	cR struct {
		*instance
		mRewrite
	}
	cA struct {
		*instance
		mAccess
	}
	cRA struct {
		*instance
		mRewrite
		mAccess
	}
	cP struct {
		*instance
		mResponse
	}
	cRP struct {
		*instance
		mRewrite
		mResponse
	}
	cAP struct {
		*instance
		mAccess
		mResponse
	}
	cRAP struct {
		*instance
		mRewrite
		mAccess
		mResponse
	}
	cL struct {
		*instance
		mLog
	}
	cRL struct {
		*instance
		mRewrite
		mLog
	}
	cAL struct {
		*instance
		mAccess
		mLog
	}
	cRAL struct {
		*instance
		mRewrite
		mAccess
		mLog
	}
	cPL struct {
		*instance
		mResponse
		mLog
	}
	cRPL struct {
		*instance
		mRewrite
		mResponse
		mLog
	}
	cAPL struct {
		*instance
		mAccess
		mResponse
		mLog
	}
	cRAPL struct {
		*instance
		mRewrite
		mAccess
		mResponse
		mLog
	}
)

// wrap returns the value go-pdk sees for an instance with the given phases.
// Its UnmarshalJSON (promoted from *instance) receives the instance config.
func wrap(mask int, in *instance) any {
	r, a, p, l := mRewrite{in}, mAccess{in}, mResponse{in}, mLog{in}
	switch mask {
	case bitRewrite:
		return &cR{in, r}
	case bitAccess:
		return &cA{in, a}
	case bitRewrite | bitAccess:
		return &cRA{in, r, a}
	case bitResponse:
		return &cP{in, p}
	case bitRewrite | bitResponse:
		return &cRP{in, r, p}
	case bitAccess | bitResponse:
		return &cAP{in, a, p}
	case bitRewrite | bitAccess | bitResponse:
		return &cRAP{in, r, a, p}
	case bitLog:
		return &cL{in, l}
	case bitRewrite | bitLog:
		return &cRL{in, r, l}
	case bitAccess | bitLog:
		return &cAL{in, a, l}
	case bitRewrite | bitAccess | bitLog:
		return &cRAL{in, r, a, l}
	case bitResponse | bitLog:
		return &cPL{in, p, l}
	case bitRewrite | bitResponse | bitLog:
		return &cRPL{in, r, p, l}
	case bitAccess | bitResponse | bitLog:
		return &cAPL{in, a, p, l}
	case bitRewrite | bitAccess | bitResponse | bitLog:
		return &cRAPL{in, r, a, p, l}
	}
	return nil
}
