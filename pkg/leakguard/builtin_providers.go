package leakguard

import (
	"encoding/base64"
	"strings"
)

// providerRules are the formats added for issue #14, each written from
// the provider's documentation of its credentials (the address in the
// comment; bench/leakguard/formats.go generates the same formats). A
// format anchored by a provider prefix, a fixed structure or a checksum
// is high confidence.
func providerRules() []Rule {
	return []Rule{
		// https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html:
		// session tokens are base64 whose first bytes are fixed by the
		// token version ("IQoJb3JpZ2luX2Vj", older "FwoGZXIvYXdzE").
		{ID: "aws-session-token", Description: "AWS STS session token (IQoJb3JpZ2luX2Vj..., FwoGZXIvYXdzE...) or a long base64 value assigned to a session-token name",
			Regex: `\b((?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9/+]{80,}={0,2})` + endB64 + `|` +
				kv(`aws_?session_?token|session_?token|security_?token|x-amz-security-token`, `[A-Za-z0-9/+]{100,}={0,2}`) + endB64,
			Keywords: []string{"IQoJb3JpZ2lu", "FwoGZXIvYXdz", "session_token", "sessiontoken", "security_token", "securitytoken", "security-token"},
			Back:     64, Window: 2400, Confidence: High},
		{ID: "tencent-secret-id", Description: "Tencent Cloud SecretId (AKID + 32)",
			Regex: `\b(AKID[A-Za-z0-9]{32})\b`, Keywords: []string{"AKID"}, exactKeywords: true, Entropy: 3.5, Confidence: High},
		// https://learn.microsoft.com/azure/service-bus-messaging/service-bus-sas
		{ID: "azure-shared-access-key", Description: "Azure Service Bus / Event Hubs SharedAccessKey in a connection string",
			Regex: `(?i:SharedAccessKey)=([A-Za-z0-9+/]{43}=)`, Keywords: []string{"sharedaccesskey="}, Confidence: High},
		// https://developers.cloudflare.com/fundamentals/api/get-started/ca-keys/
		{ID: "cloudflare-origin-ca-key", Description: "Cloudflare Origin CA key (v1.0-)",
			Regex: prefixed(`v1\.0-`, `[a-f0-9]{24}-[a-f0-9]{146}`), Keywords: []string{"v1.0-"}, Confidence: High},
		{ID: "notion-token", Description: "Notion integration token (ntn_, legacy secret_)",
			Regex:    prefixed(`ntn_`, `[0-9]{11}[A-Za-z0-9]{32,40}`) + `|` + prefixed(`secret_`, `[A-Za-z0-9]{43}`),
			Keywords: []string{"ntn_", "secret_"}, Entropy: 3.5, Confidence: High},
		// https://developers.dropbox.com/oauth-guide
		{ID: "dropbox-token", Description: "Dropbox short-lived access token (sl., sl.u.)",
			Regex: prefixed(`sl\.(?:u\.)?`, `[A-Za-z0-9_\-]{130,1000}`), Keywords: []string{"sl."}, exactKeywords: true, run: true, Entropy: 4.0, Confidence: High},
		pfx("figma-token", "Figma personal access token (figd_)", "figd_", `[A-Za-z0-9_\-]{40}`),
		{ID: "airtable-pat", Description: "Airtable personal access token (pat<14>.<64 hex>)",
			Regex: `\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b`, Keywords: []string{"pat"}, exactKeywords: true, Window: 84, Back: 1, Confidence: High},
		{ID: "supabase-token", Description: "Supabase access token (sbp_) or secret key (sb_secret_)",
			Regex:    prefixed(`sbp_`, `[a-f0-9]{40}`) + `|` + prefixed(`sb_secret_`, `[A-Za-z0-9_\-]{31,64}`),
			Keywords: []string{"sbp_", "sb_secret_"}, Confidence: High},
		pfx("mapbox-secret-token", "Mapbox secret token (sk.eyJ)", `sk\.eyJ`, `[A-Za-z0-9_\-]{20,200}\.[A-Za-z0-9_\-]{20,30}`),
		pfx("perplexity-api-key", "Perplexity API key (pplx-)", "pplx-", `[A-Za-z0-9]{48}`),
		pfx("replicate-api-token", "Replicate API token (r8_)", "r8_", `[A-Za-z0-9]{37}`),
		pfx("sonarqube-token", "SonarQube user, project or global token (squ_, sqp_, sqa_)", `sq[upa]_`, `[a-f0-9]{40}`, "squ_", "sqp_", "sqa_"),
		pfx("buildkite-api-token", "Buildkite API access token (bkua_)", "bkua_", `[a-f0-9]{40}`),
		{ID: "plaid-access-token", Description: "Plaid access token (access-production-, access-development-)",
			Regex:    prefixed(`access-(?:production|development)-`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
			Keywords: []string{"access-production", "access-development"}, Confidence: High},
		{ID: "braintree-access-token", Description: "Braintree access token (access_token$production$)",
			Regex:    `(access_token\$production\$[a-z0-9]{16}\$[a-f0-9]{32})\b`,
			Keywords: []string{"access_token"}, Confidence: High},
		{ID: "cloudinary-url", Description: "Cloudinary URL with its API secret (cloudinary://key:secret@cloud)",
			Regex:    `(?i:cloudinary://)[0-9]{10,20}:([A-Za-z0-9_\-]{20,40})@`,
			Keywords: []string{"cloudinary://"}, Confidence: High},
		// https://developer.x.com/en/docs/authentication/oauth-2-0/bearer-tokens
		{ID: "twitter-bearer-token", Description: "X (Twitter) app bearer token (AAAAAAAAAAAAAAAAAAAAA...)",
			Regex:    `\b(A{20,24}[A-Za-z0-9%]{60,200})` + endURLSafe,
			Keywords: []string{"AAAAAAAAAAAAAAAAAAAA"}, exactKeywords: true, Window: 240, Confidence: High},
		{ID: "fcm-server-key", Description: "Firebase Cloud Messaging legacy server key (AAAA...:APA91b...)",
			Regex:    `\b(AAAA[A-Za-z0-9_\-]{7}:APA91b[A-Za-z0-9_\-]{120,160})` + endURLSafe,
			Keywords: []string{":APA91b"}, exactKeywords: true, Back: 16, Confidence: High},
		{ID: "facebook-access-token", Description: "Facebook / Meta access token (EAA...)",
			Regex: `\b(EAA[BCDGIJKLMNOPQRSTUVWXYZ][A-Za-z0-9]{90,400})\b`, Keywords: []string{"EAA"}, exactKeywords: true, run: true, Confidence: High},
		{ID: "newrelic-license-key", Description: "New Relic license key (40 characters ending NRAL)",
			Regex: `\b([a-f0-9]{36}NRAL)\b`, Keywords: []string{"NRAL"}, exactKeywords: true, Back: 40, Window: 4, Confidence: High},
		pfx("bitbucket-app-password", "Bitbucket app password (ATBB)", "ATBB", `[A-Za-z0-9_=.\-]{32}`),
		pfx("adafruit-io-key", "Adafruit IO key (aio_)", "aio_", `[A-Za-z0-9]{28}`),
		{ID: "asana-pat", Description: "Asana personal access token (1/ or 2/<ids>:<32 hex>)",
			Regex:    `(?:^|[^0-9/])([12]/[0-9]{10,20}(?:/[0-9]{10,20})?:[a-f0-9]{32})\b`,
			Keywords: []string{"1/", "2/"}, after: "0123456789", Back: 2, Window: 80, Confidence: High},
		pfx("circleci-pat", "CircleCI personal API token (CCIPAT_)", "CCIPAT_", `[A-Za-z0-9]{22}_[a-f0-9]{40}`),
		pfx("clojars-token", "Clojars deploy token (CLOJARS_)", "CLOJARS_", `[a-f0-9]{60}`),
		pfx("contentful-pat", "Contentful management token (CFPAT-)", "CFPAT-", `[A-Za-z0-9_\-]{43}`),
		pfx("jfrog-reference-token", "JFrog reference token (cmVmdGtu)", "cmVmdGtu", `[A-Za-z0-9]{56}`),
		pfx("artifactory-api-key", "JFrog Artifactory API key (AKCp)", "AKCp", `[A-Za-z0-9]{69}`),
		pfx("langsmith-api-key", "LangSmith API key (lsv2_pt_, lsv2_sk_)", `lsv2_(?:pt|sk)_`, `[a-f0-9]{32}_[a-f0-9]{10}`, "lsv2_"),
		{ID: "launchdarkly-key", Description: "LaunchDarkly API access token or server SDK key (api-, sdk- + UUID)",
			Regex:    prefixed(`(?:api|sdk)-`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
			Keywords: []string{"api-", "sdk-"}, Confidence: High},
		{ID: "hubspot-private-app-token", Description: "HubSpot private app access token (pat-na1-, pat-eu1-)",
			Regex:    prefixed(`pat-(?:na|eu|ap)[0-9]-`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
			Keywords: []string{"pat-na", "pat-eu", "pat-ap"}, Confidence: High},
		pfx("klaviyo-private-key", "Klaviyo private API key (pk_ + 34 hex)", "pk_", `[a-f0-9]{34}`),
		pfx("mailersend-api-token", "MailerSend API token (mlsn.)", `mlsn\.`, `[a-f0-9]{64}`),
		pfx("brevo-api-key", "Brevo (Sendinblue) API key (xkeysib-)", "xkeysib-", `[a-f0-9]{64}-[A-Za-z0-9]{16}`),
		pfx("groq-api-key", "Groq API key (gsk_)", "gsk_", `[A-Za-z0-9]{52}`),
		pfx("xai-api-key", "xAI API key (xai-)", "xai-", `[A-Za-z0-9]{80}`),
		pfx("pinecone-api-key", "Pinecone API key (pcsk_)", "pcsk_", `[A-Za-z0-9_]{60,80}`),
		pfx("tailscale-key", "Tailscale auth key or API key (tskey-)", "tskey-", `(?:auth|api|client|webhook|scim)-[A-Za-z0-9]{10,20}-[A-Za-z0-9]{30,40}`),
		pfx("amazon-mws-auth-token", "Amazon MWS auth token (amzn.mws.)", `amzn\.mws\.`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
		pfx("octopus-api-key", "Octopus Deploy API key (API-)", "API-", `[A-Z0-9]{25,32}`),
		pfx("sourcegraph-token", "Sourcegraph access token (sgp_)", "sgp_", `(?:[a-f0-9]{16}_)?[a-f0-9]{40}`),
		{ID: "salesforce-access-token", Description: "Salesforce access token (00D<org id>!<token>)",
			Regex:    `\b(00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{80,})`,
			Keywords: []string{"00D"}, exactKeywords: true, run: true, Confidence: High},
		{ID: "teams-webhook-url", Description: "Microsoft Teams incoming webhook URL",
			Regex:    `(https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[0-9a-f\-]{36}@[0-9a-f\-]{36}/IncomingWebhook/[0-9a-f]{32}/[0-9a-f\-]{36}(?:/[A-Za-z0-9_\-]{20,})?)`,
			Keywords: []string{"webhook.office.com"}, Back: 64, Window: 400, Confidence: High},
		{ID: "zapier-webhook-url", Description: "Zapier catch hook URL",
			Regex:    `(https://hooks\.zapier\.com/hooks/catch/[0-9]{5,12}/[a-z0-9]{5,10})`,
			Keywords: []string{"hooks.zapier.com"}, Back: 16, Confidence: High},
		pfx("harness-pat", "Harness personal access token (pat.<account>.<id>.<secret>)", `pat\.`, `[A-Za-z0-9_\-]{22}\.[a-f0-9]{24}\.[A-Za-z0-9]{20}`),
		pfx("easypost-api-key", "EasyPost API key (EZAK)", "EZAK", `[a-f0-9]{54}`),
		pfx("duffel-token", "Duffel live access token (duffel_live_)", "duffel_live_", `[A-Za-z0-9_\-]{43}`),
		pfx("flutterwave-secret-key", "Flutterwave secret key (FLWSECK-)", "FLWSECK-", `[a-f0-9]{32}-X`),
		pfx("shippo-token", "Shippo live API token (shippo_live_)", "shippo_live_", `[a-f0-9]{40}`),
		pfx("typeform-pat", "Typeform personal access token (tfp_)", "tfp_", `[A-Za-z0-9_\-]{40,60}_[A-Za-z0-9_\-]{10,20}`),
		pfx("prefect-api-key", "Prefect Cloud API key (pnu_)", "pnu_", `[A-Za-z0-9]{36}`),
		pfx("readme-api-key", "ReadMe API key (rdme_)", "rdme_", `[a-f0-9]{70}`),
		pfx("razorpay-key-id", "Razorpay live key id (rzp_live_)", "rzp_live_", `[A-Za-z0-9]{14}`),
		pfx("onepassword-service-account-token", "1Password service account token (ops_eyJ)", "ops_eyJ", `[A-Za-z0-9_\-+/=]{100,}`),
		pfx("gitlab-oauth-app-secret", "GitLab OAuth application secret (gloas-)", "gloas-", `[a-f0-9]{64}`),
		{ID: "http-basic-credentials", Description: "HTTP Basic credentials (Basic base64(user:password))",
			Regex:    `(?i:\bbasic)\s+([A-Za-z0-9+/]{8,200}={0,2})` + endB64,
			Keywords: []string{"basic"}, Check: basicCredentials, Window: 220, Confidence: High},
		{ID: "jwk-private-key", Description: `Private JSON Web Key (a JWK with its "d" member)`,
			Regex: `(?:"|&#34;|&quot;|\\")d(?:"|&#34;|&quot;|\\")\s*:\s*(?:"|&#34;|&quot;|\\")([A-Za-z0-9_\-]{32,700})`,
			// Every JWK has "kty"; "d" comes before or after it.
			Keywords: []string{"kty"}, exactKeywords: true, Back: 800, Window: 800, Entropy: 3.5, Confidence: High},
		// A credential-like name (secret, password, token, API key) given a
		// random value of 16 or more characters: how providers without a
		// token prefix (Okta, Postmark, Algolia, Twilio and Alibaba secrets)
		// hand their credentials to configuration. Names of digests, public
		// keys, cursors and CSRF tokens are not credentials.
		keyNamed(Rule{ID: "keyed-secret", Description: "A secret, password, token or API key name assigned a random value of 16+ characters",
			Keywords: []string{"password", "passwd", "secret", "api_key", "apikey", "api-key", "access_key", "accesskey", "access-key", "token", "private_key", "privatekey", "private-key"},
			Back:     48, Window: 200, Entropy: 3.5, Check: randomLooking, Confidence: High, requestConfidence: Low,
			Allow: []Allowlist{{Regexes: []string{`(?i)(?:hash|digest|public|publishable|fingerprint|checksum|page|cursor|csrf|xsrf|nonce|state|type|_url|_uri|expires|_id\b)`}, RegexTarget: "match"}}},
			keyName{words: []string{"password", "passwd", "secret", `api[_\-]?key`, `access[_\-]?key`, "token", `private[_\-]?key`, `client[_\-]?secret`},
				value: `A-Za-z0-9_\-+/=.~`, min: 16, max: 128}),
	}
}

// pfx is a high-confidence rule for a prefix and a body regex. The
// keywords are the prefix itself unless given (a prefix with regex
// syntax needs them).
func pfx(id, desc, prefix, body string, keywords ...string) Rule {
	if len(keywords) == 0 {
		keywords = []string{strings.ReplaceAll(prefix, `\.`, ".")}
	}
	return Rule{ID: id, Description: desc, Regex: prefixed(prefix, body), Keywords: keywords, Confidence: High}
}

// discordID wants the first segment of a Discord token to decode to a
// snowflake (decimal digits).
func discordID(tok string) bool {
	head, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(head, "="))
	if err != nil || len(raw) < 15 {
		return false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// basicCredentials wants base64 that decodes to printable "user:password"
// with a password that is not a default one.
func basicCredentials(s string) bool {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || len(pass) < 3 {
		return false
	}
	for _, c := range raw {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return notDefaultPassword(pass)
}

// defaultPasswords are the passwords of documentation and local
// development URLs (postgres://user:password@localhost).
var defaultPasswords = map[string]bool{
	"password": true, "passwd": true, "pass": true, "pwd": true, "secret": true, "postgres": true,
	"root": true, "admin": true, "guest": true, "user": true, "username": true, "test": true,
	"mysql": true, "demo": true, "example": true, "changeit": true, "toor": true, "default": true,
}

// notDefaultPassword rejects the passwords of documentation examples.
func notDefaultPassword(s string) bool { return !defaultPasswords[strings.ToLower(s)] }

// randomLooking wants a value with letters and digits both, or a symbol:
// generated credentials have them, names and prose do not.
func randomLooking(s string) bool {
	var letters, digits bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = true
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			letters = true
		}
	}
	return letters && digits
}
