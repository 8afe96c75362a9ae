package main

import (
	"strings"

	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

// negativeDocs is the number of benign documents in the provider corpus.
const negativeDocs = 2400

// benign values a response legitimately carries that look like secrets:
// identifiers, digests, public keys and certificates, placeholders and
// documentation examples, local development URLs, tokens meant to be
// public (publishable keys, public DSNs, site keys).
var benign = []func(g *leaktest.Gen) kv{
	func(g *leaktest.Gen) kv { return kv{"id", uuid(g)} },
	func(g *leaktest.Gen) kv { return kv{"sha256", g.S(leaktest.HexLower, 64)} },
	func(g *leaktest.Gen) kv { return kv{"etag", g.S(leaktest.HexLower, 32)} },
	func(g *leaktest.Gen) kv { return kv{"commit_sha", g.S(leaktest.HexLower, 40)} },
	func(g *leaktest.Gen) kv { return kv{"trace_id", g.S(leaktest.HexLower, 32)} },
	func(g *leaktest.Gen) kv { return kv{"digest", "sha256:" + g.S(leaktest.HexLower, 64)} },
	func(g *leaktest.Gen) kv { return kv{"integrity", "sha512-" + g.S(leaktest.Base64, 86) + "=="} },
	func(g *leaktest.Gen) kv { return kv{"ulid", "01J" + g.S("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 23)} },
	func(g *leaktest.Gen) kv { return kv{"node_id", b64std("04:User" + g.S(digits, 8))} },
	func(g *leaktest.Gen) kv {
		return kv{"cursor", b64std(`{"offset":` + g.S(digits, 4) + `,"sort":"created_at"}`)}
	},
	func(g *leaktest.Gen) kv {
		return kv{"avatar", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAYAAACqaXHeAAAA" + g.S(leaktest.Base64, 600) + "="}
	},
	func(g *leaktest.Gen) kv { return kv{"thumbnail", g.S(leaktest.Base64, 400) + "=="} },
	func(g *leaktest.Gen) kv {
		return kv{"jwk", `{"kty":"RSA","kid":"` + g.S(leaktest.URLSafe, 20) + `","use":"sig","alg":"RS256","n":"` + g.S(leaktest.URLSafe, 342) + `","e":"AQAB"}`}
	},
	func(g *leaktest.Gen) kv {
		return kv{"jwk", `{"kty":"EC","crv":"P-256","kid":"` + g.S(leaktest.HexLower, 16) + `","x":"` + g.S(leaktest.URLSafe, 43) + `","y":"` + g.S(leaktest.URLSafe, 43) + `"}`}
	},
	func(g *leaktest.Gen) kv { return kv{"certificate", pem(g, "CERTIFICATE", "MIIDdzCCAl+gAwIBAgIE")} },
	func(g *leaktest.Gen) kv {
		return kv{"public_key", pem(g, "PUBLIC KEY", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")}
	},
	func(g *leaktest.Gen) kv {
		return kv{"ssh_public_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + g.S(leaktest.Base64, 43) + " deploy@ci"}
	},
	func(g *leaktest.Gen) kv {
		return kv{"ssh_public_key", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + g.S(leaktest.Base64, 500) + "= ops@bastion"}
	},
	func(g *leaktest.Gen) kv { return kv{"fingerprint", "SHA256:" + g.S(leaktest.Base64, 43)} },
	func(g *leaktest.Gen) kv {
		return kv{"api_key", []string{"YOUR_API_KEY", "<your-api-key>", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "${API_KEY}", "{{ .Values.apiKey }}", "REPLACE_ME", "changeme", "********", "[REDACTED]", "your-api-key-here"}[pick(g, 10)]}
	},
	func(g *leaktest.Gen) kv {
		return kv{"example", []string{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "xoxb-your-bot-token", "sk-...", "glpat-xxxxxxxxxxxxxxxxxxxx", "npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}[pick(g, 8)]}
	},
	func(g *leaktest.Gen) kv {
		return kv{"database_url", []string{"postgres://user:password@localhost:5432/db", "postgresql://postgres:postgres@127.0.0.1:5432/app", "mysql://root:root@localhost:3306/test", "mongodb://admin:admin@localhost:27017", "redis://localhost:6379/0", "postgres://username:password@host:5432/database", "amqp://guest:guest@localhost:5672/", "postgres://user:secret@db:5432/app"}[pick(g, 8)]}
	},
	func(g *leaktest.Gen) kv { return kv{"publishable_key", "pk_live_51" + g.S(leaktest.Alnum, 97)} },
	func(g *leaktest.Gen) kv {
		return kv{"mapbox_public_token", "pk." + b64url(`{"u":"`+g.S("abcdefghijklmnopqrstuvwxyz", 8)+`","a":"`+g.S(lowerNum, 25)+`"}`) + "." + g.S(leaktest.URLSafe, 22)}
	},
	func(g *leaktest.Gen) kv {
		return kv{"sentry_dsn", "https://" + g.S(leaktest.HexLower, 32) + "@o" + g.S(digits, 6) + ".ingest.sentry.io/" + g.S(digits, 7)}
	},
	func(g *leaktest.Gen) kv { return kv{"recaptcha_site_key", "6Lc" + g.S(leaktest.URLSafe, 37)} },
	func(g *leaktest.Gen) kv {
		return kv{"arn", "arn:aws:iam::" + g.S(digits, 12) + ":role/app-" + g.S(lowerNum, 8)}
	},
	func(g *leaktest.Gen) kv {
		return kv{"resource_id", "/subscriptions/" + uuid(g) + "/resourceGroups/rg-prod/providers/Microsoft.Web/sites/app-" + g.S(lowerNum, 6)}
	},
	func(g *leaktest.Gen) kv { return kv{"password_hash", "$2b$12$" + g.S(leaktest.Alnum+"./", 53)} },
	func(g *leaktest.Gen) kv { return kv{"image", "ghcr.io/acme/api@sha256:" + g.S(leaktest.HexLower, 64)} },
	func(g *leaktest.Gen) kv {
		return kv{"script", "!function(e,t){var n=" + g.S(leaktest.Letters, 1) + ".exports={};n." + g.S(leaktest.Letters, 6) + "=function(r){return r.replace(/[A-Za-z0-9+/=]/g,\"\")};var o=\"" + g.S(leaktest.Alnum, 48) + "\";t(o,\"" + g.S(leaktest.HexLower, 20) + "\")}(window,function(a,b){return a+b});"}
	},
	func(g *leaktest.Gen) kv {
		return kv{"chunk", "static/js/main." + g.S(leaktest.HexLower, 8) + ".chunk.js"}
	},
	func(g *leaktest.Gen) kv { return kv{"token_type", "Bearer"} },
	func(g *leaktest.Gen) kv { return kv{"session_state", uuid(g)} },
	func(g *leaktest.Gen) kv { return kv{"color", "#" + g.S(leaktest.HexLower, 6)} },
	func(g *leaktest.Gen) kv {
		return kv{"description", "Rotate your " + []string{"API key", "secret", "token", "password", "access key"}[pick(g, 5)] + " every 90 days; see the docs at https://docs.example.com/security."}
	},
}

// wholeBenign are benign documents that are not key/value pairs: a JWKS,
// a certificate chain, authorized_keys, a minified bundle.
var wholeBenign = []struct {
	ct  string
	gen func(g *leaktest.Gen) string
}{
	{"application/jwk-set+json", func(g *leaktest.Gen) string {
		return `{"keys":[{"kty":"RSA","kid":"` + g.S(leaktest.URLSafe, 43) + `","use":"sig","alg":"RS256","n":"` + g.S(leaktest.URLSafe, 342) + `","e":"AQAB","x5c":["` + strings.ReplaceAll(pem(g, "X", "MIIC")[16:900], "\n", "") + `"]}]}`
	}},
	{"application/x-pem-file", func(g *leaktest.Gen) string {
		return pem(g, "CERTIFICATE", "MIIFazCCA1OgAwIBAgIR") + pem(g, "CERTIFICATE", "MIIFYDCCBEigAwIBAgIQ")
	}},
	{"text/plain", func(g *leaktest.Gen) string {
		return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + g.S(leaktest.Base64, 43) + " a@b\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + g.S(leaktest.Base64, 350) + "= c@d\n"
	}},
	{"application/javascript", func(g *leaktest.Gen) string {
		var b strings.Builder
		for range 20 {
			b.WriteString("var " + g.S(leaktest.Letters, 2) + "=\"" + g.S(leaktest.Alnum, 32) + "\",")
			b.WriteString(g.S(leaktest.Letters, 1) + "=function(t){return t&&t.__esModule?t:{default:t}}(" + g.S(digits, 4) + ");")
		}
		return b.String()
	}},
}

// negatives renders the benign documents, cycling through the carriers.
func negatives() []doc {
	g := leaktest.NewGen(corpusSeed + 2)
	out := make([]doc, 0, negativeDocs)
	for i := range negativeDocs {
		if i%20 == 19 {
			w := wholeBenign[(i/20)%len(wholeBenign)]
			body := w.gen(g)
			out = append(out, doc{Carrier: "whole-document", CT: w.ct, Body: []byte(body), Benign: []string{body}})
			continue
		}
		c := carriers[i%len(carriers)]
		kvs := filler(g, 1)
		for range 2 {
			kvs = append(kvs, benign[pick(g, len(benign))](g))
		}
		d := doc{Carrier: c.Name, CT: c.ContentType, Body: c.render(kvs)}
		for _, p := range kvs {
			d.Benign = append(d.Benign, c.enc(p.V))
		}
		out = append(out, d)
	}
	return out
}
