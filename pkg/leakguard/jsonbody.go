package leakguard

import (
	"bytes"
	"encoding/json"

	"github.com/warden-gw/warden/pkg/jsonscan"
)

// bodyJSON is how a JSON body is read: strictly (RFC 8259), nesting up
// to 512 levels (deeper documents are scanned as text), invalid UTF-8
// left as it is, name/value pair objects recognised.
var bodyJSON = jsonscan.New(jsonscan.Options{MaxDepth: 512, Pairs: pairRole})

// pairRole recognises the members of name/value pair objects: AWS tags
// and parameters, Kubernetes env, settings APIs. In
// [{"k":"aws_secret_access_key","v":"..."}] the name member's string
// names the value member that follows, so key-value rules see the pair.
func pairRole(n []byte) jsonscan.PairRole {
	switch string(n) {
	case "k", "key", "Key", "name", "Name", "ParameterKey", "OptionName":
		return jsonscan.PairName
	case "v", "value", "Value", "ParameterValue":
		return jsonscan.PairValue
	}
	return jsonscan.NotPaired
}

// jsonEdit replaces raw[start:end] (a whole string token, quotes
// included) with repl.
type jsonEdit struct {
	start, end int
	repl       []byte
}

// encodeJSONString encodes s as a JSON string token. HTML characters are
// left alone; invalid UTF-8 becomes U+FFFD, as encoding/json does.
func encodeJSONString(s []byte) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(s)) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// applyEdits splices edits (in order, non-overlapping) into data.
func applyEdits(data []byte, edits []jsonEdit) []byte {
	if len(edits) == 0 {
		return data
	}
	out := make([]byte, 0, len(data))
	last := 0
	for _, e := range edits {
		out = append(out, data[last:e.start]...)
		out = append(out, e.repl...)
		last = e.end
	}
	return append(out, data[last:]...)
}
