package leakguard

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
)

// The labelled corpus: for every built-in rule, fake secrets built from
// the public format (random bodies from a seeded generator, valid
// checksums) and benign look-alikes. Nothing here is a real credential.

const (
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upperNum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	hexLower = "0123456789abcdef"
	urlSafe  = alnum + "_-"
	b32      = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	letters  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b64      = alnum + "+/"
)

type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) s(alphabet string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(alphabet[g.r.IntN(len(alphabet))])
	}
	return b.String()
}

func (g *gen) checksummed(prefix string) string {
	body := g.s(alnum, 30)
	return prefix + body + base62CRC32(body)
}

func (g *gen) jwt() string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc([]byte(`{"sub":"`+g.s(alnum, 12)+`","iat":1700000000}`)) + "." + g.s(urlSafe, 43)
}

func (g *gen) pem(label string) string {
	var b strings.Builder
	b.WriteString("-----BEGIN " + label + "-----\n")
	for range 8 {
		b.WriteString(g.s(b64, 64) + "\n")
	}
	b.WriteString(g.s(b64, 20) + "==\n-----END " + label + "-----")
	return b.String()
}

// sample is one labelled corpus entry: the text a field holds and the
// secret inside it (empty for a negative).
type sample struct {
	rule   string
	text   string
	secret string
	// extra is another real (fake) secret the text holds, if any.
	extra string
}

// positives returns a fake secret for every built-in rule, in context.
func positives(g *gen) []sample {
	tok := func(rule, secret string) sample {
		return sample{rule: rule, text: "value " + secret + " end", secret: secret}
	}
	ctx := func(rule, before, secret, after string) sample {
		return sample{rule: rule, text: before + secret + after, secret: secret}
	}
	awsID := "AKIA" + g.s(b32, 16)
	sgBody := g.s(urlSafe, 22) + "." + g.s(urlSafe, 43)
	return []sample{
		tok("aws-access-key-id", awsID),
		tok("aws-access-key-id", "ASIA"+g.s(b32, 16)),
		ctx("aws-secret-access-key", `aws_secret_access_key = `, g.s(alnum, 38)+"/+", "\n"),
		func() sample {
			id := "AKIA" + g.s(b32, 16)
			sm := ctx("aws-secret-near-key-id", `{"id":"`+id+`","k":"`, "Ab1"+g.s(alnum, 37), `"}`)
			sm.extra = id
			return sm
		}(),
		tok("gcp-api-key", "AIza"+g.s(urlSafe, 35)),
		ctx("gcp-service-account-key-id", `"private_key_id": "`, g.s(hexLower, 40), `"`),
		tok("gcp-oauth-client-secret", "GOCSPX-"+g.s(urlSafe, 28)),
		tok("gcp-oauth-access-token", "ya29."+g.s(urlSafe, 60)),
		ctx("azure-storage-account-key", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=", g.s(b64, 86)+"==", ";EndpointSuffix=core.windows.net"),
		ctx("azure-sas-token", "https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01&sig=", g.s(alnum, 43)+"%3D", " x"),
		tok("azure-ad-client-secret", g.s(alnum, 3)+"8Q~"+g.s(alnum, 34)),
		tok("alibaba-access-key-id", "LTAI"+g.s(alnum, 20)),
		tok("digitalocean-pat", "dop_v1_"+g.s(hexLower, 64)),
		tok("digitalocean-oauth-token", "doo_v1_"+g.s(hexLower, 64)),
		tok("digitalocean-refresh-token", "dor_v1_"+g.s(hexLower, 64)),
		tok("heroku-api-key", "HRKU-"+g.s(urlSafe, 60)),
		ctx("heroku-api-key", `HEROKU_API_KEY=`, g.s(hexLower, 8)+"-"+g.s(hexLower, 4)+"-"+g.s(hexLower, 4)+"-"+g.s(hexLower, 4)+"-"+g.s(hexLower, 12), "\n"),
		tok("github-pat", g.checksummed("ghp_")),
		tok("github-oauth-token", g.checksummed("gho_")),
		tok("github-user-token", g.checksummed("ghu_")),
		tok("github-app-token", g.checksummed("ghs_")),
		tok("github-refresh-token", g.checksummed("ghr_")),
		tok("github-fine-grained-pat", "github_pat_"+g.s(alnum, 22)+"_"+g.s(alnum, 59)),
		tok("gitlab-pat", "glpat-"+g.s(urlSafe, 20)),
		tok("gitlab-runner-token", "glrt-"+g.s(urlSafe, 20)),
		tok("gitlab-deploy-token", "gldt-"+g.s(urlSafe, 20)),
		tok("gitlab-trigger-token", "glptt-"+g.s(hexLower, 40)),
		tok("npm-access-token", g.checksummed("npm_")),
		tok("pypi-upload-token", "pypi-AgEIcHlwaS5vcmc"+g.s(urlSafe, 70)),
		tok("rubygems-api-key", "rubygems_"+g.s(hexLower, 48)),
		tok("dockerhub-pat", "dckr_pat_"+g.s(urlSafe, 27)),
		tok("huggingface-token", "hf_"+g.s(letters, 34)),
		tok("slack-bot-token", "xoxb-"+g.s("0123456789", 12)+"-"+g.s("0123456789", 13)+"-"+g.s(alnum, 24)),
		tok("slack-user-token", "xoxp-"+g.s("0123456789", 12)+"-"+g.s("0123456789", 12)+"-"+g.s("0123456789", 13)+"-"+g.s(hexLower, 32)),
		tok("slack-app-token", "xapp-1-A"+g.s(upperNum, 10)+"-"+g.s("0123456789", 13)+"-"+g.s(hexLower, 64)),
		tok("slack-webhook-url", "https://hooks.slack.com/services/T"+g.s(upperNum, 8)+"/B"+g.s(upperNum, 10)+"/"+g.s(alnum, 24)),
		tok("discord-webhook-url", "https://discord.com/api/webhooks/"+g.s("0123456789", 18)+"/"+g.s(urlSafe, 68)),
		tok("telegram-bot-token", g.s("0123456789", 10)+":AA"+g.s(urlSafe, 33)),
		tok("twilio-api-key", "SK"+g.s(hexLower, 32)),
		ctx("twilio-auth-token", `TWILIO_AUTH_TOKEN="`, g.s(hexLower, 32), `"`),
		tok("sendgrid-api-key", "SG."+sgBody),
		tok("mailgun-api-key", "key-"+g.s(hexLower, 32)),
		tok("mailchimp-api-key", g.s(hexLower, 32)+"-us14"),
		tok("stripe-secret-key", "sk_live_"+g.s(alnum, 24)),
		tok("stripe-restricted-key", "rk_live_"+g.s(alnum, 99)),
		tok("stripe-test-secret-key", "sk_test_"+g.s(alnum, 24)),
		tok("stripe-webhook-secret", "whsec_"+g.s(alnum, 32)),
		tok("square-access-token", "sq0atp-"+g.s(urlSafe, 22)),
		tok("square-oauth-secret", "sq0csp-"+g.s(urlSafe, 43)),
		tok("shopify-access-token", "shpat_"+g.s(hexLower, 32)),
		tok("shopify-custom-app-token", "shpca_"+g.s(hexLower, 32)),
		tok("shopify-private-app-token", "shppa_"+g.s(hexLower, 32)),
		tok("shopify-shared-secret", "shpss_"+g.s(hexLower, 32)),
		tok("openai-api-key", "sk-proj-"+g.s(urlSafe, 74)+"T3BlbkFJ"+g.s(urlSafe, 74)),
		tok("openai-api-key", "sk-"+g.s(alnum, 20)+"T3BlbkFJ"+g.s(alnum, 20)),
		tok("anthropic-api-key", "sk-ant-api03-"+g.s(urlSafe, 93)+"AA"),
		tok("vault-service-token", "hvs."+g.s(urlSafe, 95)),
		tok("vault-batch-token", "hvb."+g.s(urlSafe, 150)),
		tok("terraform-cloud-token", g.s(alnum, 14)+".atlasv1."+g.s(urlSafe, 67)),
		ctx("datadog-api-key", `DD_API_KEY=`, g.s(hexLower, 32), "\n"),
		ctx("datadog-app-key", `"datadog_app_key": "`, g.s(hexLower, 40), `"`),
		tok("newrelic-user-api-key", "NRAK-"+g.s(upperNum, 27)),
		tok("newrelic-insert-key", "NRII-"+g.s(urlSafe, 32)),
		tok("newrelic-browser-key", "NRJS-"+g.s(hexLower, 19)),
		tok("sentry-org-token", "sntrys_eyJ"+g.s(alnum, 90)+"_"+g.s(alnum, 43)),
		tok("sentry-user-token", "sntryu_"+g.s(hexLower, 64)),
		tok("atlassian-api-token", "ATATT3xFfGF0"+g.s(urlSafe, 180)),
		tok("grafana-cloud-token", "glc_"+g.s(alnum, 100)+"=="),
		tok("grafana-service-account-token", "glsa_"+g.s(alnum, 32)+"_"+g.s(hexLower, 8)),
		tok("linear-api-key", "lin_api_"+g.s(alnum, 40)),
		tok("postman-api-key", "PMAK-"+g.s(hexLower, 24)+"-"+g.s(hexLower, 34)),
		tok("doppler-token", "dp.pt."+g.s(alnum, 43)),
		tok("pulumi-access-token", "pul-"+g.s(hexLower, 40)),
		tok("planetscale-token", "pscale_tkn_"+g.s(urlSafe, 43)),
		tok("databricks-token", "dapi"+g.s(hexLower, 32)),
		tok("dynatrace-token", "dt0c01."+g.s(upperNum, 24)+"."+g.s(upperNum, 64)),
		tok("flyio-token", "fo1_"+g.s(urlSafe, 43)),
		tok("age-secret-key", "AGE-SECRET-KEY-1"+g.s("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)),
		ctx("private-key-rsa", "key:\n", g.pem("RSA PRIVATE KEY"), "\n"),
		ctx("private-key-ec", "", g.pem("EC PRIVATE KEY"), ""),
		ctx("private-key-dsa", "", g.pem("DSA PRIVATE KEY"), ""),
		ctx("private-key-openssh", "", g.pem("OPENSSH PRIVATE KEY"), ""),
		ctx("private-key-pkcs8", "", g.pem("PRIVATE KEY"), ""),
		ctx("private-key-pkcs8", "", g.pem("ENCRYPTED PRIVATE KEY"), ""),
		ctx("private-key-pgp", "", g.pem("PGP PRIVATE KEY BLOCK"), ""),
		tok("jwt", g.jwt()),
		ctx("database-url-password", "DATABASE_URL=postgres://app:", g.s(alnum, 16), "@db.internal:5432/app"),
		ctx("database-url-password", `"mongodb+srv://svc:`, g.s(alnum, 20), `@cluster0.example.net/db"`),
		ctx("broker-url-password", "amqp://guest:", g.s(alnum, 14), "@rabbit:5672/"),
		ctx("broker-url-password", "redis://:", g.s(alnum, 24), "@cache:6379/0"),
		ctx("url-basic-auth", "see https://deploy:", g.s(alnum, 18), "@ci.corp.net/hook"),
		ctx("generic-secret-assignment", `"client_secret": "`, g.s(alnum, 24)+"9", `"`),
		ctx("generic-secret-assignment", `db_password=`, g.s(alnum, 16)+"7!", "\n"),
	}
}

// negatives are benign look-alikes: each must produce no finding.
func negatives(g *gen) []string {
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n" + g.s(alnum, 300)))
	ghpBody := g.s(alnum, 30)
	return []string{
		"id 550e8400-e29b-41d4-a716-446655440000",
		"sha1 " + g.s(hexLower, 40) + " sha256 " + g.s(hexLower, 64),
		`{"avatar":"data:image/png;base64,` + png + `"}`,
		"AKIAIOSFODNN7EXAMPLE",                                             // AWS documentation key id
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", // AWS documentation secret
		"AKIA" + g.s(b32, 15),                                              // too short
		"akia" + strings.ToLower(g.s(b32, 16)),                             // wrong case
		"ghp_" + ghpBody + "AAAAAA",                                        // bad checksum
		"ghp_" + g.s(alnum, 35),                                            // too short
		"npm_" + g.s(alnum, 36),                                            // bad checksum (overwhelmingly likely)
		"gho_16C7e42F292c6912E7710c838347Ae178B4a",                         // GitHub docs sample, bad checksum
		"sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",                                 // placeholder
		"sk_live_" + g.s(alnum, 10),                                        // too short
		"Stripe keys look like sk_live_... and rk_live_...",
		"xoxb-your-token-here",
		"glpat-xxxxxxxxxxxxxxxxxxxx",
		"AIzaSyEXAMPLEexampleEXAMPLEexample123",
		"-----BEGIN PUBLIC KEY-----\n" + g.s(b64, 64) + "\n-----END PUBLIC KEY-----",
		"-----BEGIN CERTIFICATE-----\n" + g.s(b64, 64) + "\n-----END CERTIFICATE-----",
		"-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
		"eyJhbGciOiJIUzI1NiJ9",                                            // a JWT header alone
		"eyJub3RhIjoiand0In0." + "eyJzdWIiOiIxMjMifQ." + g.s(urlSafe, 20), // header without alg
		"postgres://localhost:5432/app",
		"postgres://user:${DB_PASSWORD}@db:5432/app",
		"https://example.com/path?x=1",
		"https://user@example.com/",
		`"password": "changeme"`,
		`"password": "********"`,
		`"password_hint": "your first pet"`,
		`"secret": "config.database.secret_name"`,
		`"api_key": null`,
		"TASK" + g.s(hexLower, 32), // SK inside a word
		"SKU " + g.s(upperNum, 32),
		"key-value store with key-" + g.s("ghijklmnopqrstuvwxyz", 32),
		"order " + g.s("0123456789", 16) + " ref " + g.s(upperNum, 20),
		"trace " + g.s(hexLower, 32) + "-" + g.s(hexLower, 16),
		"lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod",
		"hf_hub_download(repo_id='x')",
		"dapi_version 2",
		"the secret to good bread is patience",
		"mysql://root@localhost/test",
	}
}
