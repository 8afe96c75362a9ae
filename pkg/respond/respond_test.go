package respond_test

import (
	"encoding/json"
	"testing"

	"github.com/warden-gw/warden/pkg/respond"
)

func TestError(t *testing.T) {
	t.Parallel()
	r := respond.Error(401, `Unauthorized "x"`, "www-authenticate", `Bearer error="invalid_token"`, "WWW-Authenticate", `Basic`)
	var body map[string]string
	if err := json.Unmarshal(r.Body, &body); err != nil || body["message"] != `Unauthorized "x"` || len(body) != 1 {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	if r.Status != 401 || r.Headers["Content-Type"][0] != respond.ContentTypeJSON {
		t.Fatalf("status %d headers %v", r.Status, r.Headers)
	}
	if got := r.Headers["Www-Authenticate"]; len(got) != 2 {
		t.Fatalf("both challenges must be kept under one canonical name: %v", r.Headers)
	}
}

func TestProblem(t *testing.T) {
	t.Parallel()
	r := respond.ProblemJSON(respond.Problem{Status: 422, Errors: []map[string]string{{"location": "body/a", "code": "required"}}})
	var p map[string]any
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	if r.Status != 422 || p["title"] != "Unprocessable Entity" || p["status"] != 422.0 || r.Headers["Content-Type"][0] != respond.ContentTypeProblem {
		t.Fatalf("got %d %v %v", r.Status, r.Headers, p)
	}
	if errs, ok := p["errors"].([]any); !ok || len(errs) != 1 {
		t.Fatalf("errors: %v", p["errors"])
	}
}

func TestInternalIsGeneric(t *testing.T) {
	t.Parallel()
	r := respond.Internal()
	if r.Status != 500 || string(r.Body) != `{"message":"An unexpected error occurred"}` {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
}
