// Package archtest enforces Warden's layout: policy lives in pkg/ and never
// depends on go-pdk, so the same packages serve the plugins, an offline
// config checker and plain tests. Only the runtime, pkg/pluginkit, and the
// policies' Kong adapters on top of it, pkg/stage, talk to Kong.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const (
	module = "github.com/warden-gw/warden"
	gopdk  = "github.com/Kong/go-pdk"
)

// adapters may depend on go-pdk.
var adapters = map[string]bool{module + "/pkg/pluginkit": true, module + "/pkg/stage": true}

func TestOnlyTheAdapterImportsGoPDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/pkg/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, deps := fields[0], fields[1:]
		if adapters[pkg] {
			continue
		}
		checked++
		for _, d := range deps {
			if d == gopdk || strings.HasPrefix(d, gopdk+"/") {
				t.Errorf("%s depends on %s: only pkg/pluginkit and pkg/stage may", pkg, d)
				break
			}
		}
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages; is the pattern right?", checked)
	}
}
