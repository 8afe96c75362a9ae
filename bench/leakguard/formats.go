package main

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/warden-gw/warden/pkg/leakguard/leaktest"
)

// The formats of the provider corpus, written from each provider's
// published description of its credentials (the Doc address of each
// format) before leakguard's rules were read. Bodies are random from a
// seeded generator; where the format carries a checksum (GitHub, npm) it
// is valid, and structured formats (PyPI macaroons, Discord, Mapbox,
// Sentry, 1Password, Grafana Cloud) carry the structure the provider
// documents. Nothing here is a real credential.

// mark delimits the secret inside a larger value (the password of a
// connection URL, the key of a connection string): that is what must be
// caught, the rest of the value may stay.
func mark(secret string) string { return "\x01" + secret + "\x02" }

// unmark strips the marks, returning the value and the secret inside
// ("" when the whole value is the secret).
func unmark(v string) (value, inner string) {
	i, j := strings.IndexByte(v, 1), strings.IndexByte(v, 2)
	if i < 0 || j < i {
		return v, ""
	}
	return v[:i] + v[i+1:j] + v[j+1:], v[i+1 : j]
}

// part is one planted value of a format: the key a document files it
// under and the value. Secret parts must be caught (blocked or redacted
// completely); the others are identifiers that go with them (an account
// SID, a client id) and may be left in place.
type part struct {
	Key    string
	Value  string
	Secret bool
	// Inner is the secret within Value, when only part of it is secret.
	Inner string
}

// format is one credential format of one provider.
type format struct {
	ID  string
	Doc string // the provider's documentation of the format
	Gen func(g *leaktest.Gen) []part
}

// Alphabets beyond leaktest's.
const (
	lowerNum = "abcdefghijklmnopqrstuvwxyz0123456789"
	digits   = "0123456789"
	upper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	hexUpper = "0123456789ABCDEF"
	bech32   = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
	b32lower = "abcdefghijklmnopqrstuvwxyz234567"
)

func one(key, value string) []part { return []part{{Key: key, Value: value, Secret: true}} }

func uuid(g *leaktest.Gen) string {
	h := g.S(leaktest.HexLower, 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func b64std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// tok is a format of one secret value under one key.
func tok(id, doc, key string, gen func(g *leaktest.Gen) string) format {
	return format{ID: id, Doc: doc, Gen: func(g *leaktest.Gen) []part {
		v, inner := unmark(gen(g))
		return []part{{Key: key, Value: v, Secret: true, Inner: inner}}
	}}
}

// checksummed is a GitHub or npm token: prefix, 30 random characters and
// their CRC-32 in base62.
func checksummed(id, doc, key, prefix string) format {
	return tok(id, doc, key, func(g *leaktest.Gen) string { return g.Checksummed(prefix) })
}

// prefixed is a format of a fixed prefix and a random body.
func prefixed(id, doc, key, prefix, alphabet string, n int) format {
	return tok(id, doc, key, func(g *leaktest.Gen) string { return prefix + g.S(alphabet, n) })
}

// pypiMacaroon is a PyPI API token: "pypi-" and a base64url macaroon v2
// whose location is pypi.org (hence the fixed "pypi-AgEIcHlwaS5vcmc"
// start), an identifier, and a 32-byte signature.
func pypiMacaroon(g *leaktest.Gen) string {
	var b []byte
	b = append(b, 0x02, 0x01, 8)
	b = append(b, "pypi.org"...)
	id := uuid(g)
	b = append(b, 0x02, byte(len(id)+8))
	b = append(b, "{\"id\":\""+id[:len(id)-1]...)
	b = append(b, "\"}\x00\x00\x06\x20"...)
	b = append(b, g.S(leaktest.Alnum, 32)...)
	return "pypi-" + base64.RawURLEncoding.EncodeToString(b)
}

// pem returns a PEM block of label whose body starts with the DER prefix
// of such keys.
func pem(g *leaktest.Gen, label, derPrefix string) string {
	body := derPrefix + g.S(leaktest.Base64, 1200-len(derPrefix))
	var b strings.Builder
	b.WriteString("-----BEGIN " + label + "-----\n")
	for len(body) > 64 {
		b.WriteString(body[:64] + "\n")
		body = body[64:]
	}
	b.WriteString(body + "\n-----END " + label + "-----\n")
	return b.String()
}

// formats is the provider corpus. Keys are what a document names the
// value (an environment variable, a config key, a JSON field).
var formats = []format{
	{ID: "aws-access-key", Doc: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", Gen: func(g *leaktest.Gen) []part {
		return []part{{Key: "aws_access_key_id", Value: "AKIA" + g.S(leaktest.Base32, 16), Secret: true}, {Key: "aws_secret_access_key", Value: g.S(leaktest.Base64, 40), Secret: true}}
	}},
	{ID: "aws-session-credentials", Doc: "https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html", Gen: func(g *leaktest.Gen) []part {
		return []part{{Key: "AccessKeyId", Value: "ASIA" + g.S(leaktest.Base32, 16), Secret: true}, {Key: "SecretAccessKey", Value: g.S(leaktest.Base64, 40), Secret: true},
			{Key: "SessionToken", Value: "IQoJb3JpZ2luX2VjE" + g.S(leaktest.Base64, 340) + "==", Secret: true}}
	}},
	checksummed("github-pat-classic", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/", "GITHUB_TOKEN", "ghp_"),
	checksummed("github-oauth", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/", "access_token", "gho_"),
	checksummed("github-user-to-server", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/", "token", "ghu_"),
	checksummed("github-server-to-server", "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/", "installation_token", "ghs_"),
	tok("github-fine-grained-pat", "https://github.blog/security/application-security/introducing-fine-grained-personal-access-tokens-for-github/", "GH_PAT", func(g *leaktest.Gen) string {
		return "github_pat_11" + g.S(leaktest.UpperNum, 20) + "_" + g.S(leaktest.Alnum, 59)
	}),
	prefixed("gitlab-pat", "https://docs.gitlab.com/security/tokens/#token-prefixes", "GITLAB_TOKEN", "glpat-", leaktest.URLSafe, 20),
	prefixed("gitlab-pipeline-trigger", "https://docs.gitlab.com/security/tokens/#token-prefixes", "trigger_token", "glptt-", leaktest.HexLower, 40),
	prefixed("gitlab-runner-auth", "https://docs.gitlab.com/security/tokens/#token-prefixes", "runner_token", "glrt-", leaktest.URLSafe, 20),
	prefixed("gitlab-deploy-token", "https://docs.gitlab.com/security/tokens/#token-prefixes", "deploy_token", "gldt-", leaktest.URLSafe, 20),
	prefixed("gitlab-oauth-app-secret", "https://docs.gitlab.com/security/tokens/#token-prefixes", "client_secret", "gloas-", leaktest.HexLower, 64),
	checksummed("npm-access-token", "https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/", "NPM_TOKEN", "npm_"),
	tok("pypi-api-token", "https://pypi.org/help/#apitoken", "PYPI_API_TOKEN", pypiMacaroon),
	tok("slack-bot-token", "https://api.slack.com/concepts/token-types", "SLACK_BOT_TOKEN", func(g *leaktest.Gen) string {
		return "xoxb-" + g.S(digits, 12) + "-" + g.S(digits, 13) + "-" + g.S(leaktest.Alnum, 24)
	}),
	tok("slack-user-token", "https://api.slack.com/concepts/token-types", "SLACK_USER_TOKEN", func(g *leaktest.Gen) string {
		return "xoxp-" + g.S(digits, 12) + "-" + g.S(digits, 13) + "-" + g.S(digits, 13) + "-" + g.S(leaktest.HexLower, 32)
	}),
	tok("slack-app-token", "https://api.slack.com/concepts/token-types", "SLACK_APP_TOKEN", func(g *leaktest.Gen) string {
		return "xapp-1-A" + g.S(leaktest.UpperNum, 10) + "-" + g.S(digits, 13) + "-" + g.S(leaktest.HexLower, 64)
	}),
	tok("slack-webhook", "https://api.slack.com/messaging/webhooks", "webhook_url", func(g *leaktest.Gen) string {
		return "https://hooks.slack.com/services/T" + g.S(leaktest.UpperNum, 10) + "/B" + g.S(leaktest.UpperNum, 10) + "/" + g.S(leaktest.Alnum, 24)
	}),
	prefixed("stripe-secret-key", "https://docs.stripe.com/keys", "STRIPE_SECRET_KEY", "sk_live_51", leaktest.Alnum, 97),
	prefixed("stripe-restricted-key", "https://docs.stripe.com/keys#create-restricted-api-secret-key", "stripe_key", "rk_live_51", leaktest.Alnum, 97),
	prefixed("stripe-webhook-secret", "https://docs.stripe.com/webhooks#verify-official-libraries", "STRIPE_WEBHOOK_SECRET", "whsec_", leaktest.Alnum, 32),
	prefixed("google-api-key", "https://cloud.google.com/docs/authentication/api-keys", "GOOGLE_API_KEY", "AIza", leaktest.URLSafe, 35),
	prefixed("google-oauth-access-token", "https://developers.google.com/identity/protocols/oauth2", "access_token", "ya29.a0", leaktest.URLSafe, 180),
	prefixed("google-oauth-client-secret", "https://developers.google.com/identity/protocols/oauth2/production-readiness/credential-management", "client_secret", "GOCSPX-", leaktest.URLSafe, 28),
	tok("gcp-service-account-key", "https://cloud.google.com/iam/docs/keys-create-delete", "private_key", func(g *leaktest.Gen) string {
		return pem(g, "PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ")
	}),
	tok("rsa-private-key", "https://www.rfc-editor.org/rfc/rfc8017#appendix-A.1.2", "key", func(g *leaktest.Gen) string {
		return pem(g, "RSA PRIVATE KEY", "MIIEowIBAAKCAQEA")
	}),
	tok("openssh-private-key", "https://github.com/openssh/openssh-portable/blob/master/PROTOCOL.key", "ssh_key", func(g *leaktest.Gen) string {
		return pem(g, "OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW")
	}),
	tok("ec-private-key", "https://www.rfc-editor.org/rfc/rfc5915#section-4", "tls_key", func(g *leaktest.Gen) string {
		return pem(g, "EC PRIVATE KEY", "MHcCAQEEI")[:300] + "\n-----END EC PRIVATE KEY-----\n"
	}),
	tok("pgp-private-key", "https://www.rfc-editor.org/rfc/rfc4880#section-6.2", "signing_key", func(g *leaktest.Gen) string {
		return pem(g, "PGP PRIVATE KEY BLOCK", "lQVYBGV")
	}),
	tok("azure-storage-connection-string", "https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string", "AZURE_STORAGE_CONNECTION_STRING", func(g *leaktest.Gen) string {
		return "DefaultEndpointsProtocol=https;AccountName=st" + g.S(lowerNum, 10) + ";AccountKey=" + mark(g.S(leaktest.Base64, 86)+"==") + ";EndpointSuffix=core.windows.net"
	}),
	tok("azure-sas-token", "https://learn.microsoft.com/en-us/azure/storage/common/storage-sas-overview", "blob_url", func(g *leaktest.Gen) string {
		return "https://st" + g.S(lowerNum, 8) + ".blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2027-01-01T00:00:00Z&st=2026-01-01T00:00:00Z&spr=https&sig=" + mark(g.S(leaktest.Alnum, 43)+"%3D")
	}),
	tok("azure-ad-client-secret", "https://learn.microsoft.com/en-us/purview/sit-defn-azure-ad-client-secret", "AZURE_CLIENT_SECRET", func(g *leaktest.Gen) string {
		return g.S(lowerNum, 3) + g.S(digits, 1) + "Q~" + g.S(leaktest.Alnum+"-_.", 34)
	}),
	tok("azure-service-bus-connection-string", "https://learn.microsoft.com/en-us/azure/service-bus-messaging/service-bus-sas", "SERVICEBUS_CONNECTION", func(g *leaktest.Gen) string {
		return "Endpoint=sb://ns" + g.S(lowerNum, 8) + ".servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + mark(g.S(leaktest.Base64, 43)+"=")
	}),
	{ID: "twilio-api-key", Doc: "https://www.twilio.com/docs/iam/api-keys", Gen: func(g *leaktest.Gen) []part {
		return []part{{Key: "TWILIO_API_KEY", Value: "SK" + g.S(leaktest.HexLower, 32), Secret: true}, {Key: "TWILIO_API_SECRET", Value: g.S(leaktest.Alnum, 32), Secret: true}}
	}},
	{ID: "twilio-auth-token", Doc: "https://www.twilio.com/docs/iam/credentials/api", Gen: func(g *leaktest.Gen) []part {
		return []part{{Key: "TWILIO_ACCOUNT_SID", Value: "AC" + g.S(leaktest.HexLower, 32), Secret: false}, {Key: "TWILIO_AUTH_TOKEN", Value: g.S(leaktest.HexLower, 32), Secret: true}}
	}},
	tok("sendgrid-api-key", "https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys", "SENDGRID_API_KEY", func(g *leaktest.Gen) string {
		return "SG." + g.S(leaktest.URLSafe, 22) + "." + g.S(leaktest.URLSafe, 43)
	}),
	prefixed("mailgun-api-key", "https://documentation.mailgun.com/docs/mailgun/api-reference/authentication", "MAILGUN_API_KEY", "key-", leaktest.HexLower, 32),
	tok("mailchimp-api-key", "https://mailchimp.com/developer/marketing/guides/quick-start/", "MAILCHIMP_API_KEY", func(g *leaktest.Gen) string {
		return g.S(leaktest.HexLower, 32) + "-us" + g.S("123456789", 2)
	}),
	tok("postmark-server-token", "https://postmarkapp.com/developer/api/overview#authentication", "POSTMARK_SERVER_TOKEN", uuid),
	prefixed("shopify-access-token", "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens", "SHOPIFY_ACCESS_TOKEN", "shpat_", leaktest.HexLower, 32),
	prefixed("shopify-shared-secret", "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens", "SHOPIFY_API_SECRET", "shpss_", leaktest.HexLower, 32),
	prefixed("shopify-custom-app-token", "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens", "shopify_token", "shpca_", leaktest.HexLower, 32),
	prefixed("shopify-private-app-password", "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens", "shopify_password", "shppa_", leaktest.HexLower, 32),
	prefixed("digitalocean-pat", "https://docs.digitalocean.com/reference/api/create-personal-access-token/", "DIGITALOCEAN_TOKEN", "dop_v1_", leaktest.HexLower, 64),
	prefixed("digitalocean-oauth-token", "https://docs.digitalocean.com/reference/api/oauth/", "do_access_token", "doo_v1_", leaktest.HexLower, 64),
	prefixed("digitalocean-refresh-token", "https://docs.digitalocean.com/reference/api/oauth/", "do_refresh_token", "dor_v1_", leaktest.HexLower, 64),
	prefixed("vault-service-token", "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes", "VAULT_TOKEN", "hvs.CAESI", leaktest.URLSafe, 86),
	prefixed("vault-batch-token", "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes", "vault_batch_token", "hvb.AAAAAQ", leaktest.URLSafe, 120),
	tok("terraform-cloud-token", "https://developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens", "TFE_TOKEN", func(g *leaktest.Gen) string {
		return g.S(leaktest.Alnum, 14) + ".atlasv1." + g.S(leaktest.Alnum, 67)
	}),
	prefixed("doppler-service-token", "https://docs.doppler.com/reference/auth-token-formats", "DOPPLER_TOKEN", "dp.st.prd.", leaktest.Alnum, 43),
	prefixed("doppler-personal-token", "https://docs.doppler.com/reference/auth-token-formats", "doppler_personal_token", "dp.pt.", leaktest.Alnum, 43),
	prefixed("pulumi-access-token", "https://www.pulumi.com/docs/pulumi-cloud/access-management/access-tokens/", "PULUMI_ACCESS_TOKEN", "pul-", leaktest.HexLower, 40),
	prefixed("linear-api-key", "https://linear.app/developers/graphql#personal-api-keys", "LINEAR_API_KEY", "lin_api_", leaktest.Alnum, 40),
	tok("openai-project-key", "https://platform.openai.com/docs/api-reference/authentication", "OPENAI_API_KEY", func(g *leaktest.Gen) string {
		return "sk-proj-" + g.S(leaktest.URLSafe, 74) + "T3BlbkFJ" + g.S(leaktest.URLSafe, 74)
	}),
	tok("openai-legacy-key", "https://platform.openai.com/docs/api-reference/authentication", "openai_key", func(g *leaktest.Gen) string {
		return "sk-" + g.S(leaktest.Alnum, 20) + "T3BlbkFJ" + g.S(leaktest.Alnum, 20)
	}),
	tok("anthropic-api-key", "https://docs.anthropic.com/en/api/overview#authentication", "ANTHROPIC_API_KEY", func(g *leaktest.Gen) string {
		return "sk-ant-api03-" + g.S(leaktest.URLSafe, 93) + "AA"
	}),
	prefixed("huggingface-token", "https://huggingface.co/docs/hub/security-tokens", "HF_TOKEN", "hf_", leaktest.Letters, 34),
	prefixed("databricks-pat", "https://docs.databricks.com/aws/en/dev-tools/auth/pat", "DATABRICKS_TOKEN", "dapi", leaktest.HexLower, 32),
	tok("telegram-bot-token", "https://core.telegram.org/bots/api#authorizing-your-bot", "TELEGRAM_BOT_TOKEN", func(g *leaktest.Gen) string {
		return g.S("123456789", 1) + g.S(digits, 9) + ":AA" + g.S(leaktest.URLSafe, 33)
	}),
	tok("discord-bot-token", "https://discord.com/developers/docs/reference#authentication", "DISCORD_BOT_TOKEN", func(g *leaktest.Gen) string {
		return strings.TrimRight(b64std("1"+g.S(digits, 17)), "=") + "." + g.S(leaktest.URLSafe, 6) + "." + g.S(leaktest.URLSafe, 38)
	}),
	tok("discord-webhook", "https://discord.com/developers/docs/resources/webhook#execute-webhook", "discord_webhook", func(g *leaktest.Gen) string {
		return "https://discord.com/api/webhooks/1" + g.S(digits, 18) + "/" + g.S(leaktest.URLSafe, 68)
	}),
	prefixed("okta-api-token", "https://developer.okta.com/docs/guides/create-an-api-token/main/", "OKTA_API_TOKEN", "00", leaktest.URLSafe, 40),
	tok("notion-integration-token", "https://developers.notion.com/reference/authentication", "NOTION_TOKEN", func(g *leaktest.Gen) string {
		return "ntn_" + g.S(digits, 11) + g.S(leaktest.Alnum, 35)
	}),
	prefixed("notion-legacy-secret", "https://developers.notion.com/reference/authentication", "notion_secret", "secret_", leaktest.Alnum, 43),
	prefixed("dropbox-short-lived-token", "https://developers.dropbox.com/oauth-guide", "DROPBOX_ACCESS_TOKEN", "sl.u.", leaktest.URLSafe, 135),
	prefixed("figma-pat", "https://www.figma.com/developers/api#access-tokens", "FIGMA_TOKEN", "figd_", leaktest.URLSafe, 40),
	tok("airtable-pat", "https://airtable.com/developers/web/guides/personal-access-tokens", "AIRTABLE_API_KEY", func(g *leaktest.Gen) string {
		return "pat" + g.S(leaktest.Alnum, 14) + "." + g.S(leaktest.HexLower, 64)
	}),
	prefixed("supabase-access-token", "https://supabase.com/docs/reference/cli/supabase-login", "SUPABASE_ACCESS_TOKEN", "sbp_", leaktest.HexLower, 40),
	prefixed("supabase-secret-key", "https://supabase.com/docs/guides/api/api-keys", "SUPABASE_SECRET_KEY", "sb_secret_", leaktest.URLSafe, 32),
	tok("supabase-service-role-jwt", "https://supabase.com/docs/guides/api/api-keys", "SUPABASE_SERVICE_ROLE_KEY", func(g *leaktest.Gen) string {
		return b64url(`{"alg":"HS256","typ":"JWT"}`) + "." + b64url(`{"iss":"supabase","ref":"`+g.S("abcdefghijklmnopqrst", 20)+`","role":"service_role","iat":1700000000,"exp":2015000000}`) + "." + g.S(leaktest.URLSafe, 43)
	}),
	tok("mapbox-secret-token", "https://docs.mapbox.com/accounts/guides/tokens/", "MAPBOX_SECRET_TOKEN", func(g *leaktest.Gen) string {
		return "sk." + b64url(`{"u":"`+g.S("abcdefghijklmnopqrstuvwxyz", 8)+`","a":"`+g.S(lowerNum, 25)+`"}`) + "." + g.S(leaktest.URLSafe, 22)
	}),
	tok("cloudflare-origin-ca-key", "https://developers.cloudflare.com/fundamentals/api/get-started/ca-keys/", "CF_ORIGIN_CA_KEY", func(g *leaktest.Gen) string {
		return "v1.0-" + g.S(leaktest.HexLower, 24) + "-" + g.S(leaktest.HexLower, 146)
	}),
	prefixed("perplexity-api-key", "https://docs.perplexity.ai/guides/getting-started", "PERPLEXITY_API_KEY", "pplx-", leaktest.Alnum, 48),
	prefixed("replicate-api-token", "https://replicate.com/docs/reference/http#authentication", "REPLICATE_API_TOKEN", "r8_", leaktest.Alnum, 37),
	prefixed("sonarqube-user-token", "https://docs.sonarsource.com/sonarqube-server/latest/user-guide/managing-tokens/", "SONAR_TOKEN", "squ_", leaktest.HexLower, 40),
	prefixed("sonarqube-project-token", "https://docs.sonarsource.com/sonarqube-server/latest/user-guide/managing-tokens/", "sonar_project_token", "sqp_", leaktest.HexLower, 40),
	prefixed("buildkite-api-token", "https://buildkite.com/docs/apis/managing-api-tokens", "BUILDKITE_API_TOKEN", "bkua_", leaktest.HexLower, 40),
	tok("plaid-access-token", "https://plaid.com/docs/api/tokens/", "plaid_access_token", func(g *leaktest.Gen) string { return "access-production-" + uuid(g) }),
	tok("braintree-access-token", "https://developer.paypal.com/braintree/docs/guides/authorization/overview", "BRAINTREE_ACCESS_TOKEN", func(g *leaktest.Gen) string {
		return "access_token$production$" + g.S(lowerNum, 16) + "$" + g.S(leaktest.HexLower, 32)
	}),
	tok("cloudinary-url", "https://cloudinary.com/documentation/node_integration#setting_the_cloudinary_url", "CLOUDINARY_URL", func(g *leaktest.Gen) string {
		return "cloudinary://" + g.S(digits, 15) + ":" + mark(g.S(leaktest.URLSafe, 27)) + "@" + g.S("abcdefghijklmnopqrstuvwxyz", 9)
	}),
	tok("twitter-bearer-token", "https://developer.x.com/en/docs/authentication/oauth-2-0/bearer-tokens", "TWITTER_BEARER_TOKEN", func(g *leaktest.Gen) string {
		return "AAAAAAAAAAAAAAAAAAAAA" + g.S(leaktest.Alnum, 30) + "%3D" + g.S(leaktest.Alnum, 50)
	}),
	tok("sentry-dsn-with-secret", "https://docs.sentry.io/concepts/key-terms/dsn-explainer/", "SENTRY_DSN", func(g *leaktest.Gen) string {
		return "https://" + g.S(leaktest.HexLower, 32) + ":" + mark(g.S(leaktest.HexLower, 32)) + "@o" + g.S(digits, 6) + ".ingest.sentry.io/" + g.S(digits, 7)
	}),
	tok("sentry-org-auth-token", "https://docs.sentry.io/account/auth-tokens/", "SENTRY_AUTH_TOKEN", func(g *leaktest.Gen) string {
		return "sntrys_" + b64url(`{"iat":1700000000.1,"url":"https://sentry.io","region_url":"https://us.sentry.io","org":"`+g.S(lowerNum, 8)+`"}`) + "_" + g.S(leaktest.Alnum, 43)
	}),
	prefixed("sentry-user-auth-token", "https://docs.sentry.io/account/auth-tokens/", "sentry_user_token", "sntryu_", leaktest.HexLower, 64),
	tok("fcm-server-key", "https://firebase.google.com/docs/cloud-messaging/auth-server", "FCM_SERVER_KEY", func(g *leaktest.Gen) string {
		return "AAAA" + g.S(leaktest.URLSafe, 7) + ":APA91b" + g.S(leaktest.URLSafe, 134)
	}),
	prefixed("square-access-token", "https://developer.squareup.com/docs/build-basics/access-tokens", "SQUARE_ACCESS_TOKEN", "EAAA", leaktest.URLSafe, 60),
	prefixed("square-legacy-token", "https://developer.squareup.com/docs/build-basics/access-tokens", "square_token", "sq0atp-", leaktest.URLSafe, 22),
	prefixed("square-oauth-secret", "https://developer.squareup.com/docs/oauth-api/overview", "square_application_secret", "sq0csp-", leaktest.URLSafe, 43),
	{ID: "datadog-api-app-key", Doc: "https://docs.datadoghq.com/account_management/api-app-keys/", Gen: func(g *leaktest.Gen) []part {
		return []part{{Key: "DD_API_KEY", Value: g.S(leaktest.HexLower, 32), Secret: true}, {Key: "DD_APP_KEY", Value: g.S(leaktest.HexLower, 40), Secret: true}}
	}},
	prefixed("newrelic-user-key", "https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/", "NEW_RELIC_API_KEY", "NRAK-", leaktest.UpperNum, 27),
	tok("newrelic-license-key", "https://docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys/#license-key", "NEW_RELIC_LICENSE_KEY", func(g *leaktest.Gen) string {
		return g.S(leaktest.HexLower, 36) + "NRAL"
	}),
	{ID: "alibaba-access-key", Doc: "https://www.alibabacloud.com/help/en/ram/user-guide/create-an-accesskey-pair", Gen: func(g *leaktest.Gen) []part {
		return []part{{Key: "ALIBABA_CLOUD_ACCESS_KEY_ID", Value: "LTAI" + g.S(leaktest.Alnum, 20), Secret: true}, {Key: "ALIBABA_CLOUD_ACCESS_KEY_SECRET", Value: g.S(leaktest.Alnum, 30), Secret: true}}
	}},
	{ID: "tencent-cloud-secret", Doc: "https://www.tencentcloud.com/document/product/598/32675", Gen: func(g *leaktest.Gen) []part {
		return []part{{Key: "TENCENTCLOUD_SECRET_ID", Value: "AKID" + g.S(leaktest.Alnum, 32), Secret: true}, {Key: "TENCENTCLOUD_SECRET_KEY", Value: g.S(leaktest.Alnum, 32), Secret: true}}
	}},
	tok("atlassian-api-token", "https://support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account/", "JIRA_API_TOKEN", func(g *leaktest.Gen) string {
		return "ATATT3xFfGF0" + g.S(leaktest.URLSafe+"=", 170) + "=" + g.S(hexUpper, 8)
	}),
	prefixed("bitbucket-app-password", "https://support.atlassian.com/bitbucket-cloud/docs/app-passwords/", "BITBUCKET_APP_PASSWORD", "ATBB", leaktest.Alnum, 32),
	tok("heroku-api-key", "https://devcenter.heroku.com/articles/authentication", "HEROKU_API_KEY", uuid),
	tok("postman-api-key", "https://learning.postman.com/docs/developer/postman-api/authentication/", "POSTMAN_API_KEY", func(g *leaktest.Gen) string {
		return "PMAK-" + g.S(leaktest.HexLower, 24) + "-" + g.S(leaktest.HexLower, 34)
	}),
	tok("grafana-cloud-token", "https://grafana.com/docs/grafana-cloud/account-management/authentication-and-permissions/access-policies/", "GRAFANA_CLOUD_TOKEN", func(g *leaktest.Gen) string {
		return "glc_" + b64std(`{"o":"`+g.S(digits, 6)+`","n":"stack-`+g.S(digits, 6)+`-token","k":"`+g.S(leaktest.Alnum, 24)+`","m":{"r":"prod-eu-west-2"}}`)
	}),
	tok("grafana-service-account-token", "https://grafana.com/docs/grafana/latest/administration/service-accounts/", "GRAFANA_SA_TOKEN", func(g *leaktest.Gen) string {
		return "glsa_" + g.S(leaktest.Alnum, 32) + "_" + g.S(leaktest.HexLower, 8)
	}),
	prefixed("age-secret-key", "https://age-encryption.org/v1", "AGE_SECRET_KEY", "AGE-SECRET-KEY-1", bech32, 58),
	tok("jwt-bearer-token", "https://www.rfc-editor.org/rfc/rfc7519", "id_token", func(g *leaktest.Gen) string { return g.JWT() }),
	tok("postgres-url-password", "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS", "DATABASE_URL", func(g *leaktest.Gen) string {
		return "postgres://app_" + g.S(lowerNum, 5) + ":" + mark(g.S(leaktest.Alnum, 24)) + "@db-" + g.S(lowerNum, 6) + ".internal:5432/orders"
	}),
	tok("mongodb-url-password", "https://www.mongodb.com/docs/manual/reference/connection-string/", "MONGODB_URI", func(g *leaktest.Gen) string {
		return "mongodb+srv://svc_" + g.S(lowerNum, 5) + ":" + mark(g.S(leaktest.Alnum, 20)) + "@cluster0." + g.S(lowerNum, 5) + ".mongodb.net/prod?retryWrites=true"
	}),
	tok("redis-url-password", "https://www.iana.org/assignments/uri-schemes/prov/redis", "REDIS_URL", func(g *leaktest.Gen) string {
		return "rediss://default:" + mark(g.S(leaktest.Alnum, 32)) + "@cache-" + g.S(lowerNum, 6) + ".example.net:6380/0"
	}),
	tok("amqp-url-password", "https://www.rabbitmq.com/docs/uri-spec", "AMQP_URL", func(g *leaktest.Gen) string {
		return "amqps://worker:" + mark(g.S(leaktest.Alnum, 22)) + "@mq-" + g.S(lowerNum, 6) + ".example.net:5671/prod"
	}),
	tok("flutterwave-secret-key", "https://developer.flutterwave.com/docs/authentication", "FLW_SECRET_KEY", func(g *leaktest.Gen) string {
		return "FLWSECK-" + g.S(leaktest.HexLower, 32) + "-X"
	}),
	{ID: "razorpay-key", Doc: "https://razorpay.com/docs/api/authentication/", Gen: func(g *leaktest.Gen) []part {
		return []part{{Key: "RAZORPAY_KEY_ID", Value: "rzp_live_" + g.S(leaktest.Alnum, 14), Secret: true}, {Key: "RAZORPAY_KEY_SECRET", Value: g.S(leaktest.Alnum, 24), Secret: true}}
	}},
	prefixed("paystack-secret-key", "https://paystack.com/docs/api/authentication/", "PAYSTACK_SECRET_KEY", "sk_live_", leaktest.HexLower, 40),
	prefixed("shippo-live-token", "https://docs.goshippo.com/docs/guides_general/authentication/", "SHIPPO_API_TOKEN", "shippo_live_", leaktest.HexLower, 40),
	prefixed("easypost-api-key", "https://docs.easypost.com/docs/authentication", "EASYPOST_API_KEY", "EZAK", leaktest.HexLower, 54),
	prefixed("duffel-live-token", "https://duffel.com/docs/api/overview/making-requests/authentication", "DUFFEL_ACCESS_TOKEN", "duffel_live_", leaktest.URLSafe, 43),
	tok("typeform-pat", "https://www.typeform.com/developers/get-started/personal-access-token/", "TYPEFORM_TOKEN", func(g *leaktest.Gen) string {
		return "tfp_" + g.S(leaktest.Alnum, 44) + "_" + g.S(leaktest.Alnum, 14)
	}),
	prefixed("planetscale-service-token", "https://planetscale.com/docs/concepts/service-tokens", "PLANETSCALE_SERVICE_TOKEN", "pscale_tkn_", leaktest.URLSafe, 43),
	prefixed("planetscale-password", "https://planetscale.com/docs/concepts/connection-strings", "DATABASE_PASSWORD", "pscale_pw_", leaktest.URLSafe, 43),
	prefixed("prefect-api-key", "https://docs.prefect.io/v3/manage/cloud/manage-users/api-keys", "PREFECT_API_KEY", "pnu_", leaktest.Alnum, 36),
	prefixed("readme-api-key", "https://docs.readme.com/main/reference/intro/authentication", "README_API_KEY", "rdme_", leaktest.HexLower, 70),
	prefixed("rubygems-api-key", "https://guides.rubygems.org/api-key-scopes/", "GEM_HOST_API_KEY", "rubygems_", leaktest.HexLower, 48),
	prefixed("clojars-deploy-token", "https://github.com/clojars/clojars-web/wiki/Deploy-Tokens", "CLOJARS_TOKEN", "CLOJARS_", leaktest.HexLower, 60),
	prefixed("docker-hub-pat", "https://docs.docker.com/security/for-developers/access-tokens/", "DOCKERHUB_TOKEN", "dckr_pat_", leaktest.URLSafe, 27),
	tok("onepassword-service-account", "https://developer.1password.com/docs/service-accounts/", "OP_SERVICE_ACCOUNT_TOKEN", func(g *leaktest.Gen) string {
		return "ops_" + b64url(`{"signInAddress":"my.1password.com","userAuth":{"method":"SRPg-4096","alg":"PBES2g-HS256","iterations":650000,"salt":"`+g.S(leaktest.URLSafe, 22)+`"},"email":"`+g.S(b32lower, 12)+`@1passwordserviceaccounts.com","srpX":"`+g.S(leaktest.HexLower, 64)+`","muk":{"alg":"A256GCM","ext":true,"k":"`+g.S(leaktest.URLSafe, 43)+`","key_ops":["encrypt","decrypt"],"kty":"oct","kid":"mp"},"secretKey":"A3-`+g.S(leaktest.UpperNum, 6)+`-`+g.S(leaktest.UpperNum, 11)+`","throttleSecret":{"seed":"`+g.S(leaktest.HexLower, 64)+`","uuid":"`+g.S(leaktest.UpperNum, 26)+`"},"deviceUuid":"`+g.S(lowerNum, 26)+`"}`)
	}),
	tok("circleci-pat", "https://circleci.com/docs/managing-api-tokens/", "CIRCLECI_TOKEN", func(g *leaktest.Gen) string {
		return "CCIPAT_" + g.S(leaktest.Alnum, 22) + "_" + g.S(leaktest.HexLower, 40)
	}),
	tok("launchdarkly-api-token", "https://launchdarkly.com/docs/home/account/api", "LD_API_KEY", func(g *leaktest.Gen) string { return "api-" + uuid(g) }),
	tok("launchdarkly-sdk-key", "https://launchdarkly.com/docs/sdk/concepts/client-side-server-side#keys", "LD_SDK_KEY", func(g *leaktest.Gen) string { return "sdk-" + uuid(g) }),
	prefixed("contentful-pat", "https://www.contentful.com/developers/docs/references/authentication/", "CONTENTFUL_MANAGEMENT_TOKEN", "CFPAT-", leaktest.URLSafe, 43),
	tok("asana-pat", "https://developers.asana.com/docs/personal-access-token", "ASANA_TOKEN", func(g *leaktest.Gen) string {
		return "2/" + g.S(digits, 16) + "/" + g.S(digits, 16) + ":" + g.S(leaktest.HexLower, 32)
	}),
	tok("hubspot-private-app-token", "https://developers.hubspot.com/docs/api/private-apps", "HUBSPOT_ACCESS_TOKEN", func(g *leaktest.Gen) string { return "pat-na1-" + uuid(g) }),
	prefixed("klaviyo-private-key", "https://developers.klaviyo.com/en/docs/authenticate_", "KLAVIYO_PRIVATE_KEY", "pk_", leaktest.HexLower, 34),
	prefixed("mailersend-api-token", "https://developers.mailersend.com/general.html#authentication", "MAILERSEND_API_KEY", "mlsn.", leaktest.HexLower, 64),
	tok("brevo-api-key", "https://developers.brevo.com/docs/getting-started", "BREVO_API_KEY", func(g *leaktest.Gen) string {
		return "xkeysib-" + g.S(leaktest.HexLower, 64) + "-" + g.S(leaktest.Alnum, 16)
	}),
	prefixed("groq-api-key", "https://console.groq.com/docs/api-keys", "GROQ_API_KEY", "gsk_", leaktest.Alnum, 52),
	prefixed("xai-api-key", "https://docs.x.ai/docs/overview", "XAI_API_KEY", "xai-", leaktest.Alnum, 80),
	tok("langsmith-api-key", "https://docs.smith.langchain.com/administration/how_to_guides/organization_management/create_account_api_key", "LANGSMITH_API_KEY", func(g *leaktest.Gen) string {
		return "lsv2_pt_" + g.S(leaktest.HexLower, 32) + "_" + g.S(leaktest.HexLower, 10)
	}),
	prefixed("pinecone-api-key", "https://docs.pinecone.io/guides/projects/manage-api-keys", "PINECONE_API_KEY", "pcsk_", leaktest.Alnum, 70),
	tok("tailscale-auth-key", "https://tailscale.com/kb/1085/auth-keys", "TS_AUTHKEY", func(g *leaktest.Gen) string {
		return "tskey-auth-k" + g.S(leaktest.Alnum, 16) + "-" + g.S(leaktest.Alnum, 33)
	}),
	tok("tailscale-api-key", "https://tailscale.com/kb/1101/api", "TAILSCALE_API_KEY", func(g *leaktest.Gen) string {
		return "tskey-api-k" + g.S(leaktest.Alnum, 16) + "-" + g.S(leaktest.Alnum, 33)
	}),
	prefixed("facebook-access-token", "https://developers.facebook.com/docs/facebook-login/guides/access-tokens", "FACEBOOK_ACCESS_TOKEN", "EAAG", leaktest.Alnum, 180),
	tok("amazon-mws-auth-token", "https://developer-docs.amazon.com/sp-api/docs/mws-auth-token", "MWS_AUTH_TOKEN", func(g *leaktest.Gen) string { return "amzn.mws." + uuid(g) }),
	prefixed("adafruit-io-key", "https://io.adafruit.com/api/docs/#authentication", "ADAFRUIT_IO_KEY", "aio_", leaktest.Alnum, 28),
	tok("dynatrace-api-token", "https://docs.dynatrace.com/docs/manage/identity-access-management/access-tokens-and-oauth-clients/access-tokens", "DT_API_TOKEN", func(g *leaktest.Gen) string {
		return "dt0c01." + g.S(leaktest.UpperNum, 24) + "." + g.S(leaktest.UpperNum, 64)
	}),
	tok("jfrog-reference-token", "https://jfrog.com/help/r/jfrog-platform-administration-documentation/access-tokens", "JFROG_ACCESS_TOKEN", func(g *leaktest.Gen) string {
		return "cmVmdGtuOjAxOjE3" + g.S(leaktest.Alnum, 48)
	}),
	tok("octopus-api-key", "https://octopus.com/docs/octopus-rest-api/how-to-create-an-api-key", "OCTOPUS_API_KEY", func(g *leaktest.Gen) string {
		return "API-" + g.S(leaktest.UpperNum, 27)
	}),
	tok("sourcegraph-access-token", "https://sourcegraph.com/docs/cli/how-tos/creating_an_access_token", "SRC_ACCESS_TOKEN", func(g *leaktest.Gen) string {
		return "sgp_" + g.S(leaktest.HexLower, 16) + "_" + g.S(leaktest.HexLower, 40)
	}),
	tok("salesforce-access-token", "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm", "SF_ACCESS_TOKEN", func(g *leaktest.Gen) string {
		return "00D" + g.S(leaktest.Alnum, 12) + "!" + "AQ" + g.S(leaktest.Alnum+"._", 96)
	}),
	tok("teams-incoming-webhook", "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook", "TEAMS_WEBHOOK_URL", func(g *leaktest.Gen) string {
		return "https://contoso.webhook.office.com/webhookb2/" + uuid(g) + "@" + uuid(g) + "/IncomingWebhook/" + g.S(leaktest.HexLower, 32) + "/" + uuid(g) + "/V2" + g.S(leaktest.URLSafe, 43)
	}),
	tok("zapier-webhook", "https://help.zapier.com/hc/en-us/articles/8496288690317-Trigger-Zaps-from-webhooks", "ZAPIER_HOOK", func(g *leaktest.Gen) string {
		return "https://hooks.zapier.com/hooks/catch/" + g.S(digits, 8) + "/" + g.S(lowerNum, 7) + "/"
	}),
	tok("harness-pat", "https://developer.harness.io/docs/platform/automation/api/add-and-manage-api-keys/", "HARNESS_API_KEY", func(g *leaktest.Gen) string {
		return "pat." + g.S(leaktest.URLSafe, 22) + "." + g.S(leaktest.HexLower, 24) + "." + g.S(leaktest.Alnum, 20)
	}),
	prefixed("artifactory-api-key", "https://jfrog.com/help/r/jfrog-platform-administration-documentation/api-key", "ARTIFACTORY_API_KEY", "AKCp", leaktest.Alnum, 69),
	tok("algolia-admin-key", "https://www.algolia.com/doc/guides/security/api-keys/#admin-api-key", "ALGOLIA_ADMIN_API_KEY", func(g *leaktest.Gen) string { return g.S(leaktest.HexLower, 32) }),
	tok("jwk-private-key", "https://www.rfc-editor.org/rfc/rfc7517#appendix-A.2", "jwk", func(g *leaktest.Gen) string {
		return `{"kty":"EC","crv":"P-256","x":"` + g.S(leaktest.URLSafe, 43) + `","y":"` + g.S(leaktest.URLSafe, 43) + `","d":"` + mark(g.S(leaktest.URLSafe, 43)) + `"}`
	}),
	tok("basic-auth-header", "https://www.rfc-editor.org/rfc/rfc7617", "Authorization", func(g *leaktest.Gen) string {
		return "Basic " + mark(b64std("svc-"+g.S(lowerNum, 6)+":"+g.S(leaktest.Alnum, 20)))
	}),
}

func init() {
	seen := map[string]bool{}
	for _, f := range formats {
		if seen[f.ID] || !strings.HasPrefix(f.Doc, "https://") {
			panic(fmt.Sprintf("format %q: duplicate id or no documentation address", f.ID))
		}
		seen[f.ID] = true
	}
}
