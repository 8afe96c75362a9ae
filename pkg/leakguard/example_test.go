package leakguard_test

import (
	"fmt"

	"github.com/warden-gw/warden/pkg/config"
	"github.com/warden-gw/warden/pkg/leakguard"
)

func Example() {
	cfg, _ := config.Load[leakguard.Config]([]byte(`{"fingerprint_key": "demo-key"}`))
	g, _ := leakguard.New(cfg)
	// A fake Stripe live key (random, not a real credential).
	body := `{"order": 7, "debug": {"stripe": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"}}`
	d := g.InspectResponse(leakguard.Response{
		Headers: map[string][]string{"Content-Type": {"application/json"}},
		Body:    []byte(body),
	})
	f := d.Findings[0]
	fmt.Println(d.Action, d.Reason)
	fmt.Println(f.Rule, f.Location, f.Pointer, f.Length)
	fmt.Println(string(d.Body))
	// Output:
	// redact secret_redacted
	// stripe-secret-key response.body /debug/stripe 32
	// {"order": 7, "debug": {"stripe": "[REDACTED:stripe-secret-key]"}}
}
