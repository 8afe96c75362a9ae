// Package leaktest generates the labelled corpus leakguard is measured
// on: fake secrets for every built-in rule, written from the public token
// formats (random bodies from a seeded generator, valid checksums), and
// benign look-alikes. Nothing here is a real credential. It lives outside
// the test files so the benchmark module comparing leakguard with gitleaks
// measures both on the same bytes.
package leaktest

import (
	"encoding/base64"
	"hash/crc32"
	"math/rand/v2"
	"strings"
)

// Alphabets the generator draws from.
const (
	Alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	UpperNum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	HexLower = "0123456789abcdef"
	URLSafe  = Alnum + "_-"
	Base32   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	Letters  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	Base64   = Alnum + "+/"
)

// Gen is a seeded generator of fake secrets: the same seed gives the same
// corpus. It is not safe for concurrent use.
type Gen struct{ r *rand.Rand }

// NewGen returns a generator seeded with seed.
func NewGen(seed uint64) *Gen { return &Gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

// S returns n bytes drawn from alphabet.
func (g *Gen) S(alphabet string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(alphabet[g.r.IntN(len(alphabet))])
	}
	return b.String()
}

// Checksummed returns prefix, a 30-character body and its base62 CRC-32:
// the GitHub and npm token format.
func (g *Gen) Checksummed(prefix string) string {
	body := g.S(Alnum, 30)
	return prefix + body + base62CRC32(body)
}

// JWT returns an HS256-shaped JSON Web Token.
func (g *Gen) JWT() string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc([]byte(`{"sub":"`+g.S(Alnum, 12)+`","iat":1700000000}`)) + "." + g.S(URLSafe, 43)
}

// PEM returns a PEM block of the given label with a 530-byte body.
func (g *Gen) PEM(label string) string {
	var b strings.Builder
	b.WriteString("-----BEGIN " + label + "-----\n")
	for range 8 {
		b.WriteString(g.S(Base64, 64) + "\n")
	}
	b.WriteString(g.S(Base64, 20) + "==\n-----END " + label + "-----")
	return b.String()
}

// Sample is one labelled corpus entry: the text a field holds, the secret
// inside it, and the built-in rule that should find it.
type Sample struct {
	Rule   string
	Text   string
	Secret string
	// Extra is another real (fake) secret the text holds, if any.
	Extra string
}

// Positives returns a fake secret for every built-in rule, in context.
func (g *Gen) Positives() []Sample {
	tok := func(rule, secret string) Sample {
		return Sample{Rule: rule, Text: "value " + secret + " end", Secret: secret}
	}
	ctx := func(rule, before, secret, after string) Sample {
		return Sample{Rule: rule, Text: before + secret + after, Secret: secret}
	}
	awsID := "AKIA" + g.S(Base32, 16)
	sgBody := g.S(URLSafe, 22) + "." + g.S(URLSafe, 43)
	return append([]Sample{
		tok("aws-access-key-id", awsID),
		tok("aws-access-key-id", "ASIA"+g.S(Base32, 16)),
		ctx("aws-secret-access-key", `aws_secret_access_key = `, g.S(Alnum, 38)+"/+", "\n"),
		func() Sample {
			id := "AKIA" + g.S(Base32, 16)
			sm := ctx("aws-secret-near-key-id", `{"id":"`+id+`","k":"`, "Ab1"+g.S(Alnum, 37), `"}`)
			sm.Extra = id
			return sm
		}(),
		tok("gcp-api-key", "AIza"+g.S(URLSafe, 35)),
		ctx("gcp-service-account-key-id", `"private_key_id": "`, g.S(HexLower, 40), `"`),
		tok("gcp-oauth-client-secret", "GOCSPX-"+g.S(URLSafe, 28)),
		tok("gcp-oauth-access-token", "ya29."+g.S(URLSafe, 60)),
		ctx("azure-storage-account-key", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=", g.S(Base64, 86)+"==", ";EndpointSuffix=core.windows.net"),
		ctx("azure-sas-token", "https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01&sig=", g.S(Alnum, 43)+"%3D", " x"),
		tok("azure-ad-client-secret", g.S(Alnum, 3)+"8Q~"+g.S(Alnum, 34)),
		tok("alibaba-access-key-id", "LTAI"+g.S(Alnum, 20)),
		tok("digitalocean-pat", "dop_v1_"+g.S(HexLower, 64)),
		tok("digitalocean-oauth-token", "doo_v1_"+g.S(HexLower, 64)),
		tok("digitalocean-refresh-token", "dor_v1_"+g.S(HexLower, 64)),
		tok("heroku-api-key", "HRKU-"+g.S(URLSafe, 60)),
		ctx("heroku-api-key", `HEROKU_API_KEY=`, g.S(HexLower, 8)+"-"+g.S(HexLower, 4)+"-"+g.S(HexLower, 4)+"-"+g.S(HexLower, 4)+"-"+g.S(HexLower, 12), "\n"),
		tok("github-pat", g.Checksummed("ghp_")),
		tok("github-oauth-token", g.Checksummed("gho_")),
		tok("github-user-token", g.Checksummed("ghu_")),
		tok("github-app-token", g.Checksummed("ghs_")),
		tok("github-refresh-token", g.Checksummed("ghr_")),
		tok("github-fine-grained-pat", "github_pat_"+g.S(Alnum, 22)+"_"+g.S(Alnum, 59)),
		tok("gitlab-pat", "glpat-"+g.S(URLSafe, 20)),
		tok("gitlab-runner-token", "glrt-"+g.S(URLSafe, 20)),
		tok("gitlab-deploy-token", "gldt-"+g.S(URLSafe, 20)),
		tok("gitlab-trigger-token", "glptt-"+g.S(HexLower, 40)),
		tok("npm-access-token", g.Checksummed("npm_")),
		tok("pypi-upload-token", "pypi-AgEIcHlwaS5vcmc"+g.S(URLSafe, 70)),
		tok("rubygems-api-key", "rubygems_"+g.S(HexLower, 48)),
		tok("dockerhub-pat", "dckr_pat_"+g.S(URLSafe, 27)),
		tok("huggingface-token", "hf_"+g.S(Letters, 34)),
		tok("slack-bot-token", "xoxb-"+g.S("0123456789", 12)+"-"+g.S("0123456789", 13)+"-"+g.S(Alnum, 24)),
		tok("slack-user-token", "xoxp-"+g.S("0123456789", 12)+"-"+g.S("0123456789", 12)+"-"+g.S("0123456789", 13)+"-"+g.S(HexLower, 32)),
		tok("slack-app-token", "xapp-1-A"+g.S(UpperNum, 10)+"-"+g.S("0123456789", 13)+"-"+g.S(HexLower, 64)),
		tok("slack-webhook-url", "https://hooks.slack.com/services/T"+g.S(UpperNum, 8)+"/B"+g.S(UpperNum, 10)+"/"+g.S(Alnum, 24)),
		tok("discord-webhook-url", "https://discord.com/api/webhooks/"+g.S("0123456789", 18)+"/"+g.S(URLSafe, 68)),
		tok("telegram-bot-token", g.S("0123456789", 10)+":AA"+g.S(URLSafe, 33)),
		tok("twilio-api-key", "SK"+g.S(HexLower, 32)),
		ctx("twilio-auth-token", `TWILIO_AUTH_TOKEN="`, g.S(HexLower, 32), `"`),
		tok("sendgrid-api-key", "SG."+sgBody),
		tok("mailgun-api-key", "key-"+g.S(HexLower, 32)),
		tok("mailchimp-api-key", g.S(HexLower, 32)+"-us14"),
		tok("stripe-secret-key", "sk_live_"+g.S(Alnum, 24)),
		tok("stripe-restricted-key", "rk_live_"+g.S(Alnum, 99)),
		tok("stripe-test-secret-key", "sk_test_"+g.S(Alnum, 24)),
		tok("stripe-webhook-secret", "whsec_"+g.S(Alnum, 32)),
		tok("square-access-token", "sq0atp-"+g.S(URLSafe, 22)),
		tok("square-oauth-secret", "sq0csp-"+g.S(URLSafe, 43)),
		tok("shopify-access-token", "shpat_"+g.S(HexLower, 32)),
		tok("shopify-custom-app-token", "shpca_"+g.S(HexLower, 32)),
		tok("shopify-private-app-token", "shppa_"+g.S(HexLower, 32)),
		tok("shopify-shared-secret", "shpss_"+g.S(HexLower, 32)),
		tok("openai-api-key", "sk-proj-"+g.S(URLSafe, 74)+"T3BlbkFJ"+g.S(URLSafe, 74)),
		tok("openai-api-key", "sk-"+g.S(Alnum, 20)+"T3BlbkFJ"+g.S(Alnum, 20)),
		tok("anthropic-api-key", "sk-ant-api03-"+g.S(URLSafe, 93)+"AA"),
		tok("vault-service-token", "hvs."+g.S(URLSafe, 95)),
		tok("vault-batch-token", "hvb."+g.S(URLSafe, 150)),
		tok("terraform-cloud-token", g.S(Alnum, 14)+".atlasv1."+g.S(URLSafe, 67)),
		ctx("datadog-api-key", `DD_API_KEY=`, g.S(HexLower, 32), "\n"),
		ctx("datadog-app-key", `"datadog_app_key": "`, g.S(HexLower, 40), `"`),
		tok("newrelic-user-api-key", "NRAK-"+g.S(UpperNum, 27)),
		tok("newrelic-insert-key", "NRII-"+g.S(URLSafe, 32)),
		tok("newrelic-browser-key", "NRJS-"+g.S(HexLower, 19)),
		tok("sentry-org-token", "sntrys_eyJ"+g.S(Alnum, 90)+"_"+g.S(Alnum, 43)),
		tok("sentry-user-token", "sntryu_"+g.S(HexLower, 64)),
		tok("atlassian-api-token", "ATATT3xFfGF0"+g.S(URLSafe, 180)),
		tok("grafana-cloud-token", "glc_"+g.S(Alnum, 100)+"=="),
		tok("grafana-service-account-token", "glsa_"+g.S(Alnum, 32)+"_"+g.S(HexLower, 8)),
		tok("linear-api-key", "lin_api_"+g.S(Alnum, 40)),
		tok("postman-api-key", "PMAK-"+g.S(HexLower, 24)+"-"+g.S(HexLower, 34)),
		tok("doppler-token", "dp.pt."+g.S(Alnum, 43)),
		tok("pulumi-access-token", "pul-"+g.S(HexLower, 40)),
		tok("planetscale-token", "pscale_tkn_"+g.S(URLSafe, 43)),
		tok("databricks-token", "dapi"+g.S(HexLower, 32)),
		tok("dynatrace-token", "dt0c01."+g.S(UpperNum, 24)+"."+g.S(UpperNum, 64)),
		tok("flyio-token", "fo1_"+g.S(URLSafe, 43)),
		tok("age-secret-key", "AGE-SECRET-KEY-1"+g.S("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)),
		ctx("private-key-rsa", "key:\n", g.PEM("RSA PRIVATE KEY"), "\n"),
		ctx("private-key-ec", "", g.PEM("EC PRIVATE KEY"), ""),
		ctx("private-key-dsa", "", g.PEM("DSA PRIVATE KEY"), ""),
		ctx("private-key-openssh", "", g.PEM("OPENSSH PRIVATE KEY"), ""),
		ctx("private-key-pkcs8", "", g.PEM("PRIVATE KEY"), ""),
		ctx("private-key-pkcs8", "", g.PEM("ENCRYPTED PRIVATE KEY"), ""),
		ctx("private-key-pgp", "", g.PEM("PGP PRIVATE KEY BLOCK"), ""),
		tok("jwt", g.JWT()),
		ctx("database-url-password", "DATABASE_URL=postgres://app:", g.S(Alnum, 16), "@db.internal:5432/app"),
		ctx("database-url-password", `"mongodb+srv://svc:`, g.S(Alnum, 20), `@cluster0.example.net/db"`),
		ctx("broker-url-password", "amqp://guest:", g.S(Alnum, 14), "@rabbit:5672/"),
		ctx("broker-url-password", "redis://:", g.S(Alnum, 24), "@cache:6379/0"),
		ctx("url-basic-auth", "see https://deploy:", g.S(Alnum, 18), "@ci.corp.net/hook"),
		ctx("generic-secret-assignment", `"client_secret": "`, g.S(Alnum, 9)+"9!#%^&*", `"`),
		ctx("generic-secret-assignment", `db_password=`, g.S(Alnum, 10)+"7!#%^&", "\n"),
	}, g.providerPositives(tok, ctx)...)
}

// providerPositives are the samples of the rules added for issue #14.
func (g *Gen) providerPositives(tok func(rule, secret string) Sample, ctx func(rule, before, secret, after string) Sample) []Sample {
	uuid := func() string {
		return g.S(HexLower, 8) + "-" + g.S(HexLower, 4) + "-4" + g.S(HexLower, 3) + "-a" + g.S(HexLower, 3) + "-" + g.S(HexLower, 12)
	}
	digits := "0123456789"
	return []Sample{
		tok("aws-session-token", "IQoJb3JpZ2luX2VjE"+g.S(Base64, 300)+"=="),
		ctx("aws-session-token", `"SessionToken": "`, g.S(Base64, 200), `"`),
		tok("tencent-secret-id", "AKID"+g.S(Alnum, 32)),
		ctx("azure-shared-access-key", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=", g.S(Base64, 43)+"=", ";"),
		tok("cloudflare-origin-ca-key", "v1.0-"+g.S(HexLower, 24)+"-"+g.S(HexLower, 146)),
		tok("notion-token", "ntn_"+g.S(digits, 11)+g.S(Alnum, 35)),
		tok("notion-token", "secret_"+g.S(Alnum, 43)),
		tok("dropbox-token", "sl.u."+g.S(URLSafe, 140)),
		tok("figma-token", "figd_"+g.S(URLSafe, 40)),
		tok("airtable-pat", "pat"+g.S(Alnum, 14)+"."+g.S(HexLower, 64)),
		tok("supabase-token", "sbp_"+g.S(HexLower, 40)),
		tok("supabase-token", "sb_secret_"+g.S(URLSafe, 32)),
		tok("mapbox-secret-token", "sk.eyJ1Ijoi"+g.S(URLSafe, 50)+"."+g.S(URLSafe, 22)),
		tok("perplexity-api-key", "pplx-"+g.S(Alnum, 48)),
		tok("replicate-api-token", "r8_"+g.S(Alnum, 37)),
		tok("sonarqube-token", "squ_"+g.S(HexLower, 40)),
		tok("buildkite-api-token", "bkua_"+g.S(HexLower, 40)),
		tok("plaid-access-token", "access-production-"+uuid()),
		tok("braintree-access-token", "access_token$production$"+g.S("abcdefghijklmnopqrstuvwxyz0123456789", 16)+"$"+g.S(HexLower, 32)),
		ctx("cloudinary-url", "CLOUDINARY_URL=cloudinary://"+g.S(digits, 15)+":", g.S(URLSafe, 27), "@demo\n"),
		tok("twitter-bearer-token", "AAAAAAAAAAAAAAAAAAAAA"+g.S(Alnum, 30)+"%3D"+g.S(Alnum, 50)),
		tok("fcm-server-key", "AAAA"+g.S(URLSafe, 7)+":APA91b"+g.S(URLSafe, 134)),
		tok("facebook-access-token", "EAAG"+g.S(Alnum, 150)),
		tok("newrelic-license-key", g.S(HexLower, 36)+"NRAL"),
		tok("bitbucket-app-password", "ATBB"+g.S(Alnum, 32)),
		tok("adafruit-io-key", "aio_"+g.S(Alnum, 28)),
		tok("asana-pat", "2/"+g.S(digits, 16)+"/"+g.S(digits, 16)+":"+g.S(HexLower, 32)),
		tok("circleci-pat", "CCIPAT_"+g.S(Alnum, 22)+"_"+g.S(HexLower, 40)),
		tok("clojars-token", "CLOJARS_"+g.S(HexLower, 60)),
		tok("contentful-pat", "CFPAT-"+g.S(URLSafe, 43)),
		tok("jfrog-reference-token", "cmVmdGtu"+g.S(Alnum, 56)),
		tok("artifactory-api-key", "AKCp"+g.S(Alnum, 69)),
		tok("langsmith-api-key", "lsv2_pt_"+g.S(HexLower, 32)+"_"+g.S(HexLower, 10)),
		tok("launchdarkly-key", "api-"+uuid()),
		tok("hubspot-private-app-token", "pat-na1-"+uuid()),
		tok("klaviyo-private-key", "pk_"+g.S(HexLower, 34)),
		tok("mailersend-api-token", "mlsn."+g.S(HexLower, 64)),
		tok("brevo-api-key", "xkeysib-"+g.S(HexLower, 64)+"-"+g.S(Alnum, 16)),
		tok("groq-api-key", "gsk_"+g.S(Alnum, 52)),
		tok("xai-api-key", "xai-"+g.S(Alnum, 80)),
		tok("pinecone-api-key", "pcsk_"+g.S(Alnum, 70)),
		tok("tailscale-key", "tskey-auth-k"+g.S(Alnum, 16)+"-"+g.S(Alnum, 33)),
		tok("amazon-mws-auth-token", "amzn.mws."+uuid()),
		tok("octopus-api-key", "API-"+g.S(UpperNum, 27)),
		tok("sourcegraph-token", "sgp_"+g.S(HexLower, 16)+"_"+g.S(HexLower, 40)),
		tok("salesforce-access-token", "00D"+g.S(Alnum, 12)+"!AQ"+g.S(Alnum, 96)),
		tok("teams-webhook-url", "https://contoso.webhook.office.com/webhookb2/"+uuid()+"@"+uuid()+"/IncomingWebhook/"+g.S(HexLower, 32)+"/"+uuid()),
		tok("zapier-webhook-url", "https://hooks.zapier.com/hooks/catch/"+g.S(digits, 8)+"/"+g.S("abcdefghijklmnopqrstuvwxyz0123456789", 7)),
		tok("harness-pat", "pat."+g.S(URLSafe, 22)+"."+g.S(HexLower, 24)+"."+g.S(Alnum, 20)),
		tok("easypost-api-key", "EZAK"+g.S(HexLower, 54)),
		tok("duffel-token", "duffel_live_"+g.S(URLSafe, 43)),
		tok("flutterwave-secret-key", "FLWSECK-"+g.S(HexLower, 32)+"-X"),
		tok("shippo-token", "shippo_live_"+g.S(HexLower, 40)),
		tok("typeform-pat", "tfp_"+g.S(Alnum, 44)+"_"+g.S(Alnum, 14)),
		tok("prefect-api-key", "pnu_"+g.S(Alnum, 36)),
		tok("readme-api-key", "rdme_"+g.S(HexLower, 70)),
		tok("razorpay-key-id", "rzp_live_"+g.S(Alnum, 14)),
		tok("onepassword-service-account-token", "ops_eyJ"+g.S(URLSafe, 200)),
		tok("gitlab-oauth-app-secret", "gloas-"+g.S(HexLower, 64)),
		ctx("http-basic-credentials", "Authorization: Basic ", base64.StdEncoding.EncodeToString([]byte("svc:"+g.S(Alnum, 20))), "\n"),
		ctx("jwk-private-key", `{"kty":"EC","crv":"P-256","x":"`+g.S(URLSafe, 43)+`","y":"`+g.S(URLSafe, 43)+`","d":"`, g.S(URLSafe, 43), `"}`),
		ctx("keyed-secret", `"client_secret": "`, g.S(Alnum, 24)+"9", `"`),
		ctx("keyed-secret", `OKTA_API_TOKEN=`, "00"+g.S(Alnum, 40), "\n"),
	}
}

// Negatives returns benign look-alikes: each must produce no finding.
func (g *Gen) Negatives() []string {
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n" + g.S(Alnum, 300)))
	ghpBody := g.S(Alnum, 30)
	return []string{
		"id 550e8400-e29b-41d4-a716-446655440000",
		"sha1 " + g.S(HexLower, 40) + " sha256 " + g.S(HexLower, 64),
		`{"avatar":"data:image/png;base64,` + png + `"}`,
		"AKIAIOSFODNN7EXAMPLE",                                             // AWS documentation key id
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", // AWS documentation secret
		"AKIA" + g.S(Base32, 15),                                           // too short
		"akia" + strings.ToLower(g.S(Base32, 16)),                          // wrong case
		"ghp_" + ghpBody + "AAAAAA",                                        // bad checksum
		"ghp_" + g.S(Alnum, 35),                                            // too short
		"npm_" + g.S(Alnum, 36),                                            // bad checksum (overwhelmingly likely)
		"gho_16C7e42F292c6912E7710c838347Ae178B4a",                         // GitHub docs sample, bad checksum
		"sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",                                 // placeholder
		"sk_live_" + g.S(Alnum, 10),                                        // too short
		"Stripe keys look like sk_live_... and rk_live_...",
		"xoxb-your-token-here",
		"glpat-xxxxxxxxxxxxxxxxxxxx",
		"AIzaSyEXAMPLEexampleEXAMPLEexample123",
		"-----BEGIN PUBLIC KEY-----\n" + g.S(Base64, 64) + "\n-----END PUBLIC KEY-----",
		"-----BEGIN CERTIFICATE-----\n" + g.S(Base64, 64) + "\n-----END CERTIFICATE-----",
		"-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
		"eyJhbGciOiJIUzI1NiJ9",                                            // a JWT header alone
		"eyJub3RhIjoiand0In0." + "eyJzdWIiOiIxMjMifQ." + g.S(URLSafe, 20), // header without alg
		"postgres://localhost:5432/app",
		"postgres://user:${DB_PASSWORD}@db:5432/app",
		"https://example.com/path?x=1",
		"https://user@example.com/",
		`"password": "changeme"`,
		`"password": "********"`,
		`"password_hint": "your first pet"`,
		`"secret": "config.database.secret_name"`,
		`"api_key": null`,
		"TASK" + g.S(HexLower, 32), // SK inside a word
		"SKU " + g.S(UpperNum, 32),
		"key-value store with key-" + g.S("ghijklmnopqrstuvwxyz", 32),
		"order " + g.S("0123456789", 16) + " ref " + g.S(UpperNum, 20),
		"trace " + g.S(HexLower, 32) + "-" + g.S(HexLower, 16),
		"lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod",
		"hf_hub_download(repo_id='x')",
		"dapi_version 2",
		"the secret to good bread is patience",
		"mysql://root@localhost/test",
	}
}

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62CRC32 is the token checksum GitHub and npm append, written here
// again rather than imported so the corpus checks leakguard's validator
// instead of sharing its bugs.
func base62CRC32(s string) string {
	n := crc32.ChecksumIEEE([]byte(s))
	var buf [6]byte
	for i := 5; i >= 0; i-- {
		buf[i] = base62Alphabet[n%62]
		n /= 62
	}
	return string(buf[:])
}
