// Command probe is a plain go-pdk plugin used by the harness's end-to-end
// tests: it reads the request, stashes data in kong.ctx.shared, exits with
// 401 when asked, sets an upstream header, rewrites the response body and
// logs saved data in the log phase.
package main

import (
	"strings"

	"github.com/Kong/go-pdk"
	"github.com/Kong/go-pdk/server"
)

// Config is the plugin configuration.
type Config struct {
	Greeting string `json:"greeting"`
	Deny     string `json:"deny"`
	Secret   string `json:"secret"`
}

func main() {
	_ = server.StartServer(func() any { return &Config{} }, "0.1.0", 1000)
}

// Access reads the request, exits with 401 on the deny header, else sets an upstream header.
func (c *Config) Access(kong *pdk.PDK) {
	h, _ := kong.Request.GetHeader("X-Probe")
	q, _ := kong.Request.GetQueryArg("q")
	body, _ := kong.Request.GetRawBody()
	_ = kong.Ctx.SetShared("probe", map[string]any{"header": h, "q": q, "len": len(body)})
	if c.Deny != "" && h == c.Deny {
		kong.Response.Exit(401, []byte(`{"message":"denied"}`), map[string][]string{
			"Content-Type": {"application/json"}, "WWW-Authenticate": {"Probe"},
		})
		return
	}
	_ = kong.ServiceRequest.SetHeader("X-Greeting", c.Greeting)
	_ = kong.ServiceRequest.SetHeader("X-Secret", c.Secret)
	_ = kong.ServiceRequest.SetHeader("X-Body-Len", strings.Repeat("x", 0)+itoa(len(body)))
}

// Response rewrites the upstream body.
func (c *Config) Response(kong *pdk.PDK) {
	b, err := kong.ServiceResponse.GetRawBody()
	if err != nil {
		kong.Log.Err("get_raw_body: ", err.Error())
		return
	}
	// Kong 3.9.1 answers kong.service.response.get_headers with nothing in
	// this phase; kong.response.get_headers has the upstream's headers.
	svc, _ := kong.ServiceResponse.GetHeaders(100)
	resp, _ := kong.Response.GetHeaders(100)
	// kong.service.request.set_header is ngx.req.set_header: the client
	// request's headers now hold what the access phase set.
	greeting, _ := kong.Request.GetHeader("X-Greeting")
	kong.Response.Exit(200, []byte(strings.ToUpper(string(b))), map[string][]string{"X-Rewritten": {"yes"},
		"X-Service-Headers": {itoa(len(svc))}, "X-Seen-Upstream": resp["x-upstream"], "X-Seen-Greeting": {greeting}})
}

// Log reads saved data.
func (c *Config) Log(kong *pdk.PDK) {
	st, _ := kong.Response.GetStatus()
	h, _ := kong.Request.GetHeader("X-Probe")
	v, _ := kong.Ctx.GetSharedAny("probe")
	m, _ := v.(map[string]any)
	kong.Log.Notice("log phase status=", st, " header=", h, " shared.q=", m["q"])
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
