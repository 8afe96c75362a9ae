package leakguard

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Regex building blocks. RE2 has no look-around, so a token's edges are
// written as "start of input or a byte the token cannot contain" groups;
// the secret is always a capture group.
const (
	// kvSep joins a key name to its value: JSON ("key": "v"), YAML
	// (key: v), env/ini (KEY=v), forms and the "name=value" text the
	// engine builds for JSON members, query parameters and headers.
	// An HTML input or meta element (name="key" value="v") counts too.
	kvSep = `(?:["']?\s*(?:=|:|=>|:=)\s*["']?|["']\s+(?:value|content)=["'])`
	// endB64 ends a base64-alphabet token.
	endB64 = `(?:[^A-Za-z0-9+/=]|$)`
	// endURLSafe ends a token from the URL-safe alphabet.
	endURLSafe = `(?:[^A-Za-z0-9_\-]|$)`
	// startURLSafe begins one.
	startURLSafe = `(?:^|[^A-Za-z0-9_\-])`
)

// kv builds a key-value rule regex: a case-insensitive key pattern, a
// separator and the value pattern as group 1.
func kv(key, value string) string {
	return `(?i:` + key + `)` + kvSep + `(` + value + `)`
}

// prefixed builds a regex for a token that starts with a literal prefix
// and continues with body (a regex) from the URL-safe alphabet.
func prefixed(prefix, body string) string {
	return `\b(` + prefix + body + `)` + endURLSafe
}

// BuiltinRules returns Warden's detectors, written from the public
// formats of each provider's tokens (prefixes, lengths, alphabets,
// checksums). The slice is new on each call.
func BuiltinRules() []Rule {
	rules := []Rule{
		// --- Cloud providers -------------------------------------------
		{ID: "aws-access-key-id", Description: "AWS access key id (AKIA long-term, ASIA temporary, ABIA, ACCA)",
			Regex:    `\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`,
			Keywords: []string{"AKIA", "ASIA", "ABIA", "ACCA"}, exactKeywords: true, Confidence: High},
		{ID: "aws-secret-access-key", Description: "AWS secret access key assigned to a secret-key name",
			Regex: kv(`aws_?secret_?(?:access_?)?key|secret_?access_?key|secretaccesskey`, `[A-Za-z0-9/+]{40}`) + endB64,
			// Every spelling the key regex accepts contains one of these
			// (secret_?access... or aws_?secret...): a keyword per full
			// spelling missed mixed ones like secretaccess_key.
			Keywords: []string{"secretaccess", "secret_access", "aws_secret", "awssecret"},
			Entropy:  4.0, Confidence: High},
		{ID: "aws-secret-near-key-id", Description: "40-character AWS secret key within 160 bytes after an access key id",
			Regex:       `\b(?:AKIA|ASIA)[A-Z2-7]{16}\b[^\n]{0,160}?(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})` + endB64,
			SecretGroup: 1, Keywords: []string{"AKIA", "ASIA"}, exactKeywords: true, Window: 240,
			Entropy: 4.2, Check: mixedCase, Confidence: Medium, pairedWith: "aws-access-key-id"},
		{ID: "gcp-api-key", Description: "Google API key (AIza...)",
			Regex:    `\b(AIza[0-9A-Za-z_\-]{35})` + endURLSafe,
			Keywords: []string{"AIza"}, exactKeywords: true, Confidence: High},
		{ID: "gcp-service-account-key-id", Description: "private_key_id of a GCP service-account JSON key",
			Regex:    kv(`private_key_id`, `[a-f0-9]{40}`) + `\b`,
			Keywords: []string{"private_key_id"}, Entropy: 3.0, Confidence: High},
		{ID: "gcp-oauth-client-secret", Description: "Google OAuth client secret (GOCSPX-)",
			Regex:    prefixed(`GOCSPX-`, `[A-Za-z0-9_\-]{28}`),
			Keywords: []string{"GOCSPX-"}, Confidence: High},
		{ID: "gcp-oauth-access-token", Description: "Google OAuth access token (ya29.)",
			Regex:    prefixed(`ya29\.`, `[A-Za-z0-9_\-]{30,}`),
			Keywords: []string{"ya29."}, run: true, Entropy: 4.0, Confidence: High},
		{ID: "azure-storage-account-key", Description: "Azure storage account key in a connection string (AccountKey=)",
			Regex:    `(?i:AccountKey)=([A-Za-z0-9+/]{86}==)`,
			Keywords: []string{"accountkey="}, Confidence: High},
		{ID: "azure-sas-token", Description: "Azure shared access signature (sv=...&sig=)",
			Regex:    `\bsv=\d{4}-\d{2}-\d{2}&[^\s"'<>]{0,300}?\bsig=([A-Za-z0-9%/+]{40,}(?:%3D|=)?)`,
			Keywords: []string{"sig="}, Back: 320, Confidence: High},
		{ID: "azure-ad-client-secret", Description: "Microsoft Entra (Azure AD) client secret (xxxNQ~...)",
			Regex:    `(?:^|[^A-Za-z0-9_~.\-])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$)`,
			Keywords: []string{"Q~"}, exactKeywords: true, Back: 8, Entropy: 3.5, Confidence: High},
		{ID: "alibaba-access-key-id", Description: "Alibaba Cloud AccessKey id (LTAI)",
			Regex:    `\b(LTAI[A-Za-z0-9]{20})\b`,
			Keywords: []string{"LTAI"}, exactKeywords: true, Confidence: High},
		{ID: "digitalocean-pat", Description: "DigitalOcean personal access token (dop_v1_)",
			Regex: prefixed(`dop_v1_`, `[a-f0-9]{64}`), Keywords: []string{"dop_v1_"}, Confidence: High},
		{ID: "digitalocean-oauth-token", Description: "DigitalOcean OAuth access token (doo_v1_)",
			Regex: prefixed(`doo_v1_`, `[a-f0-9]{64}`), Keywords: []string{"doo_v1_"}, Confidence: High},
		{ID: "digitalocean-refresh-token", Description: "DigitalOcean OAuth refresh token (dor_v1_)",
			Regex: prefixed(`dor_v1_`, `[a-f0-9]{64}`), Keywords: []string{"dor_v1_"}, Confidence: High},
		{ID: "heroku-api-key", Description: "Heroku API key (HRKU-) or a UUID assigned to a heroku key name",
			Regex:    `\b(HRKU-[A-Za-z0-9_\-]{60})` + endURLSafe + `|` + kv(`heroku[a-z_\-]{0,20}(?:key|token)`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
			Keywords: []string{"HRKU-", "heroku"}, Confidence: High},

		// --- Source hosting and package registries ------------------------
		{ID: "github-pat", Description: "GitHub classic personal access token (ghp_), checksum verified",
			Regex: prefixed(`ghp_`, `[A-Za-z0-9]{36}`), Keywords: []string{"ghp_"}, Check: githubChecksum, Confidence: High},
		{ID: "github-oauth-token", Description: "GitHub OAuth access token (gho_), checksum verified",
			Regex: prefixed(`gho_`, `[A-Za-z0-9]{36}`), Keywords: []string{"gho_"}, Check: githubChecksum, Confidence: High},
		{ID: "github-user-token", Description: "GitHub App user-to-server token (ghu_), checksum verified",
			Regex: prefixed(`ghu_`, `[A-Za-z0-9]{36}`), Keywords: []string{"ghu_"}, Check: githubChecksum, Confidence: High},
		{ID: "github-app-token", Description: "GitHub App installation (server-to-server) token (ghs_), checksum verified",
			Regex: prefixed(`ghs_`, `[A-Za-z0-9]{36}`), Keywords: []string{"ghs_"}, Check: githubChecksum, Confidence: High},
		{ID: "github-refresh-token", Description: "GitHub App refresh token (ghr_), checksum verified",
			Regex: prefixed(`ghr_`, `[A-Za-z0-9]{36}`), Keywords: []string{"ghr_"}, Check: githubChecksum, Confidence: High},
		{ID: "github-fine-grained-pat", Description: "GitHub fine-grained personal access token (github_pat_)",
			Regex: prefixed(`github_pat_`, `[A-Za-z0-9]{22}_[A-Za-z0-9]{59}`), Keywords: []string{"github_pat_"}, Confidence: High},
		{ID: "gitlab-pat", Description: "GitLab personal, project or group access token (glpat-)",
			Regex: prefixed(`glpat-`, `[A-Za-z0-9_\-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?`), Keywords: []string{"glpat-"},
			Entropy: 3.0, Confidence: High},
		{ID: "gitlab-runner-token", Description: "GitLab runner authentication token (glrt-)",
			Regex: prefixed(`glrt-`, `[A-Za-z0-9_\-]{20,64}`), Keywords: []string{"glrt-"}, Entropy: 3.0, Confidence: High},
		{ID: "gitlab-deploy-token", Description: "GitLab deploy token (gldt-)",
			Regex: prefixed(`gldt-`, `[A-Za-z0-9_\-]{20,64}`), Keywords: []string{"gldt-"}, Entropy: 3.0, Confidence: High},
		{ID: "gitlab-trigger-token", Description: "GitLab pipeline trigger token (glptt-)",
			Regex: prefixed(`glptt-`, `[0-9a-f]{40}`), Keywords: []string{"glptt-"}, Confidence: High},
		{ID: "npm-access-token", Description: "npm access token (npm_), checksum verified",
			Regex: prefixed(`npm_`, `[A-Za-z0-9]{36}`), Keywords: []string{"npm_"}, Check: npmChecksum, Confidence: High},
		{ID: "pypi-upload-token", Description: "PyPI API token (pypi- macaroon for pypi.org)",
			Regex: prefixed(`pypi-AgEIcHlwaS5vcmc`, `[A-Za-z0-9_\-]{50,}`), Keywords: []string{"pypi-AgEIcHlwaS5vcmc"}, run: true, Confidence: High},
		{ID: "rubygems-api-key", Description: "RubyGems API key (rubygems_)",
			Regex: prefixed(`rubygems_`, `[a-f0-9]{48}`), Keywords: []string{"rubygems_"}, Confidence: High},
		{ID: "dockerhub-pat", Description: "Docker Hub personal access token (dckr_pat_)",
			Regex: prefixed(`dckr_pat_`, `[A-Za-z0-9_\-]{27}`), Keywords: []string{"dckr_pat_"}, Entropy: 3.0, Confidence: High},
		{ID: "huggingface-token", Description: "Hugging Face access token (hf_)",
			Regex: prefixed(`hf_`, `[A-Za-z]{34}`), Keywords: []string{"hf_"}, Entropy: 3.8, Confidence: High},

		// --- Chat, mail, messaging -----------------------------------------
		{ID: "slack-bot-token", Description: "Slack bot token (xoxb-)",
			Regex: prefixed(`xoxb-`, `[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34}`), Keywords: []string{"xoxb-"}, Confidence: High},
		{ID: "slack-user-token", Description: "Slack user or enterprise token (xoxp-, xoxe-)",
			Regex: prefixed(`xox[pe]`, `(?:-[0-9]{10,13}){3}-[A-Za-z0-9]{28,34}`), Keywords: []string{"xoxp-", "xoxe-"}, Confidence: High},
		{ID: "slack-app-token", Description: "Slack app-level token (xapp-)",
			Regex: prefixed(`xapp-`, `[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[a-f0-9]{60,66}`), Keywords: []string{"xapp-"}, Confidence: High},
		{ID: "slack-webhook-url", Description: "Slack incoming webhook URL",
			Regex:    `(https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{8,12}/[AB][A-Z0-9]{8,12}/[A-Za-z0-9]{24,})`,
			Keywords: []string{"hooks.slack.com"}, Confidence: High},
		{ID: "discord-webhook-url", Description: "Discord webhook URL",
			Regex:    `(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})`,
			Keywords: []string{"/api/webhooks/"}, Back: 40, Confidence: High},
		{ID: "telegram-bot-token", Description: "Telegram bot API token (<bot id>:AA...)",
			Regex:    `(?:^|[^0-9])([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})` + endURLSafe,
			Keywords: []string{":AA"}, exactKeywords: true, Back: 16, Confidence: High},
		{ID: "twilio-api-key", Description: "Twilio API key SID (SK + 32 hex)",
			Regex: `\b(SK[0-9a-f]{32})\b`, Keywords: []string{"SK"}, exactKeywords: true, after: "0123456789abcdef", Back: 2, Window: 40, Entropy: 3.0, Confidence: High},
		{ID: "twilio-auth-token", Description: "Twilio auth token assigned to a twilio token name",
			Regex:    kv(`twilio[a-z_\-]{0,20}(?:auth)?[_\-]?token`, `[0-9a-f]{32}`) + `\b`,
			Keywords: []string{"twilio"}, Entropy: 3.0, Confidence: High},
		{ID: "sendgrid-api-key", Description: "SendGrid API key (SG.<22>.<43>)",
			Regex: prefixed(`SG\.`, `[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}`), Keywords: []string{"SG."}, exactKeywords: true, Confidence: High},
		{ID: "mailgun-api-key", Description: "Mailgun API key (key- + 32 hex)",
			Regex: `\b(key-[0-9a-f]{32})\b`, Keywords: []string{"key-"}, Entropy: 3.2, Confidence: High},
		{ID: "mailchimp-api-key", Description: "Mailchimp API key (32 hex + -us<dc>)",
			Regex: `\b([0-9a-f]{32}-us[0-9]{1,2})\b`, Keywords: []string{"-us"}, Back: 40, Entropy: 3.2, Confidence: High},

		// --- Payments and commerce ----------------------------------------
		{ID: "stripe-secret-key", Description: "Stripe live secret key (sk_live_)",
			Regex: prefixed(`sk_live_`, `[A-Za-z0-9]{24,247}`), Keywords: []string{"sk_live_"}, Confidence: High},
		{ID: "stripe-restricted-key", Description: "Stripe live restricted key (rk_live_)",
			Regex: prefixed(`rk_live_`, `[A-Za-z0-9]{24,247}`), Keywords: []string{"rk_live_"}, Confidence: High},
		{ID: "stripe-test-secret-key", Description: "Stripe test-mode secret key (sk_test_)",
			Regex: prefixed(`sk_test_`, `[A-Za-z0-9]{24,247}`), Keywords: []string{"sk_test_"}, Confidence: Medium},
		{ID: "stripe-webhook-secret", Description: "Stripe webhook signing secret (whsec_)",
			Regex: prefixed(`whsec_`, `[A-Za-z0-9]{32,64}`), Keywords: []string{"whsec_"}, Confidence: High},
		{ID: "square-access-token", Description: "Square access token (sq0atp- or EAAA)",
			Regex: prefixed(`sq0atp-`, `[A-Za-z0-9_\-]{22}`) + `|` + prefixed(`EAAA`, `[A-Za-z0-9_\-]{60}`), Keywords: []string{"sq0atp-", "EAAA"}, Confidence: High},
		{ID: "square-oauth-secret", Description: "Square OAuth application secret (sq0csp-)",
			Regex: prefixed(`sq0csp-`, `[A-Za-z0-9_\-]{43}`), Keywords: []string{"sq0csp-"}, Confidence: High},
		{ID: "shopify-access-token", Description: "Shopify Admin API access token (shpat_)",
			Regex: prefixed(`shpat_`, `[a-fA-F0-9]{32}`), Keywords: []string{"shpat_"}, Confidence: High},
		{ID: "shopify-custom-app-token", Description: "Shopify custom app access token (shpca_)",
			Regex: prefixed(`shpca_`, `[a-fA-F0-9]{32}`), Keywords: []string{"shpca_"}, Confidence: High},
		{ID: "shopify-private-app-token", Description: "Shopify private app access token (shppa_)",
			Regex: prefixed(`shppa_`, `[a-fA-F0-9]{32}`), Keywords: []string{"shppa_"}, Confidence: High},
		{ID: "shopify-shared-secret", Description: "Shopify app shared secret (shpss_)",
			Regex: prefixed(`shpss_`, `[a-fA-F0-9]{32}`), Keywords: []string{"shpss_"}, Confidence: High},

		// --- AI providers ----------------------------------------------------
		{ID: "openai-api-key", Description: "OpenAI API key (sk-..., sk-proj-..., containing T3BlbkFJ)",
			Regex:    `\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,160}T3BlbkFJ[A-Za-z0-9_\-]{20,160})` + endURLSafe,
			Keywords: []string{"T3BlbkFJ"}, exactKeywords: true, Back: 200, Window: 200, Confidence: High},
		{ID: "anthropic-api-key", Description: "Anthropic API or admin key (sk-ant-api03-, sk-ant-admin01-)",
			Regex: prefixed(`sk-ant-(?:api|admin)[0-9]{2}-`, `[A-Za-z0-9_\-]{80,100}AA`), Keywords: []string{"sk-ant-"}, Confidence: High},

		// --- Infrastructure, observability, tooling --------------------------
		{ID: "vault-service-token", Description: "HashiCorp Vault service token (hvs.)",
			Regex: prefixed(`hvs\.`, `[A-Za-z0-9_\-]{90,120}`), Keywords: []string{"hvs."}, Confidence: High},
		{ID: "vault-batch-token", Description: "HashiCorp Vault batch token (hvb.)",
			Regex: prefixed(`hvb\.`, `[A-Za-z0-9_\-]{90,300}`), Keywords: []string{"hvb."}, Confidence: High},
		{ID: "terraform-cloud-token", Description: "Terraform Cloud / HCP Terraform API token (.atlasv1.)",
			Regex:    `\b([a-zA-Z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,70})` + endURLSafe,
			Keywords: []string{".atlasv1."}, Back: 16, Confidence: High},
		{ID: "datadog-api-key", Description: "Datadog API key assigned to a datadog/dd api key name",
			Regex:    kv(`(?:datadog|dd)[_\-]?api[_\-]?key`, `[a-f0-9]{32}`) + `\b`,
			Keywords: []string{"datadog", "dd_api", "dd-api", "ddapi"}, Entropy: 3.0, Confidence: High},
		{ID: "datadog-app-key", Description: "Datadog application key assigned to a datadog/dd app key name",
			Regex:    kv(`(?:datadog|dd)[_\-]?app(?:lication)?[_\-]?key`, `[a-f0-9]{40}`) + `\b`,
			Keywords: []string{"datadog", "dd_app", "dd-app", "ddapp"}, Entropy: 3.0, Confidence: High},
		{ID: "newrelic-user-api-key", Description: "New Relic user API key (NRAK-)",
			Regex: prefixed(`NRAK-`, `[A-Z0-9]{27}`), Keywords: []string{"NRAK-"}, Confidence: High},
		{ID: "newrelic-insert-key", Description: "New Relic insights insert key (NRII-)",
			Regex: prefixed(`NRII-`, `[A-Za-z0-9_\-]{32}`), Keywords: []string{"NRII-"}, Confidence: High},
		{ID: "newrelic-browser-key", Description: "New Relic browser API token (NRJS-)",
			Regex: prefixed(`NRJS-`, `[a-f0-9]{19}`), Keywords: []string{"NRJS-"}, Confidence: Medium},
		{ID: "sentry-org-token", Description: "Sentry organization auth token (sntrys_)",
			Regex: prefixed(`sntrys_`, `eyJ[A-Za-z0-9+/=_\-]{60,300}_[A-Za-z0-9+/=_\-]{43}`), Keywords: []string{"sntrys_"}, Confidence: High},
		{ID: "sentry-user-token", Description: "Sentry user auth token (sntryu_)",
			Regex: prefixed(`sntryu_`, `[a-f0-9]{64}`), Keywords: []string{"sntryu_"}, Confidence: High},
		{ID: "atlassian-api-token", Description: "Atlassian API token (ATATT3)",
			Regex: prefixed(`ATATT3`, `[A-Za-z0-9_\-=]{180,200}`), Keywords: []string{"ATATT3"}, Confidence: High},
		{ID: "grafana-cloud-token", Description: "Grafana Cloud access policy token (glc_)",
			Regex: `\b(glc_[A-Za-z0-9+/]{32,400}={0,2})` + endB64, Keywords: []string{"glc_"}, Entropy: 3.5, Confidence: High},
		{ID: "grafana-service-account-token", Description: "Grafana service account token (glsa_)",
			Regex: prefixed(`glsa_`, `[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}`), Keywords: []string{"glsa_"}, Confidence: High},
		{ID: "linear-api-key", Description: "Linear API key (lin_api_)",
			Regex: prefixed(`lin_api_`, `[A-Za-z0-9]{40}`), Keywords: []string{"lin_api_"}, Confidence: High},
		{ID: "postman-api-key", Description: "Postman API key (PMAK-)",
			Regex: prefixed(`PMAK-`, `[a-f0-9]{24}-[a-f0-9]{34}`), Keywords: []string{"PMAK-"}, Confidence: High},
		{ID: "doppler-token", Description: "Doppler personal or service token (dp.pt., dp.st.)",
			Regex: prefixed(`dp\.(?:pt|st|sa|ct|scim|audit)\.`, `(?:[a-z0-9_\-]{2,35}\.)?[A-Za-z0-9]{40,44}`), Keywords: []string{"dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."}, Confidence: High},
		{ID: "pulumi-access-token", Description: "Pulumi access token (pul-)",
			Regex: prefixed(`pul-`, `[a-f0-9]{40}`), Keywords: []string{"pul-"}, Confidence: High},
		{ID: "planetscale-token", Description: "PlanetScale service token or password (pscale_tkn_, pscale_pw_)",
			Regex: prefixed(`pscale_(?:tkn|pw|oauth)_`, `[A-Za-z0-9_\-.]{32,64}`), Keywords: []string{"pscale_"}, Confidence: High},
		{ID: "databricks-token", Description: "Databricks personal access token (dapi + 32 hex)",
			Regex: `\b(dapi[a-f0-9]{32}(?:-[0-9])?)\b`, Keywords: []string{"dapi"}, Entropy: 3.0, Confidence: High},
		{ID: "dynatrace-token", Description: "Dynatrace API token (dt0c01.)",
			Regex: prefixed(`dt0c01\.`, `[A-Z0-9]{24}\.[A-Z0-9]{64}`), Keywords: []string{"dt0c01."}, Confidence: High},
		{ID: "flyio-token", Description: "Fly.io access token (fo1_)",
			Regex: prefixed(`fo1_`, `[A-Za-z0-9_\-]{43}`), Keywords: []string{"fo1_"}, Entropy: 3.5, Confidence: High},
		{ID: "age-secret-key", Description: "age encryption secret key (AGE-SECRET-KEY-1)",
			Regex: `\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b`, Keywords: []string{"AGE-SECRET-KEY-1"}, Confidence: High},

		// --- Keys, tokens and credentials of any origin -------------------
		pemRule("private-key-rsa", "RSA private key (PEM)", "RSA PRIVATE KEY"),
		pemRule("private-key-ec", "EC private key (PEM)", "EC PRIVATE KEY"),
		pemRule("private-key-dsa", "DSA private key (PEM)", "DSA PRIVATE KEY"),
		pemRule("private-key-openssh", "OpenSSH private key", "OPENSSH PRIVATE KEY"),
		pemRule("private-key-pkcs8", "PKCS#8 private key (PEM, plain or encrypted)", "(?:ENCRYPTED )?PRIVATE KEY"),
		pemRule("private-key-pgp", "PGP private key block", "PGP PRIVATE KEY BLOCK"),
		{ID: "jwt", Description: "JSON Web Token (signed or unsecured) with a decodable header",
			Regex:    `\b(eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*)` + endURLSafe,
			Keywords: []string{"eyJ"}, exactKeywords: true, Back: 2, run: true, Check: jwtHeader, Confidence: High, requestConfidence: Medium},
		{ID: "database-url-password", Description: "Password inside a database connection URL",
			Regex: `(?i:\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|mssql|sqlserver|oracle|cockroachdb|clickhouse|couchdb|neo4j(?:\+s)?|cassandra)://)` +
				`[^:@/\s"'<>]{1,128}:([^@/\s"'<>]{3,128})@[^\s"'<>]`,
			Keywords: []string{"postgres", "mysql", "mariadb", "mongodb", "mssql", "sqlserver", "oracle", "cockroachdb", "clickhouse", "couchdb", "neo4j", "cassandra"},
			Back:     16, Check: notDefaultPassword, Confidence: High},
		{ID: "broker-url-password", Description: "Password inside a message broker or cache URL (AMQP, Redis, NATS, MQTT)",
			Regex: `(?i:\b(?:amqps?|rediss?|nats|mqtts?|kafka|memcached|ldaps?|smtps?|ftp|sftp)://)` +
				`[^:@/\s"'<>]{0,128}:([^@/\s"'<>]{3,128})@[^\s"'<>]`,
			Keywords: []string{"amqp", "redis", "nats", "mqtt", "kafka", "memcached", "ldap", "smtp", "ftp"},
			Back:     16, Check: notDefaultPassword, Confidence: High},
		{ID: "url-basic-auth", Description: "HTTP Basic credentials in a URL (https://user:password@host)",
			Regex:    `(?i:\bhttps?://)[^:@/\s"'<>]{1,128}:([^@/\s"'<>]{3,128})@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`,
			Keywords: []string{"http"}, Entropy: 2.5, Back: 8, Check: notDefaultPassword, Confidence: High},
		keyNamed(Rule{ID: "generic-secret-assignment", Description: "A password, secret or API key name assigned a random-looking value",
			Keywords: []string{"password", "passwd", "passphrase", "secret", "api_key", "apikey", "api-key", "access_key", "accesskey", "access-key", "auth_token", "authtoken", "auth-token", "private_key", "privatekey", "private-key", "client_secret"},
			Back:     48, Window: 200, Entropy: 3.5, Check: notWordy, Confidence: Low},
			keyName{words: []string{"password", "passwd", "passphrase", "secret", `api[_\-]?key`, `access[_\-]?key`, `auth[_\-]?token`, `private[_\-]?key`, `client[_\-]?secret`},
				value: `A-Za-z0-9_\-+/=.~!@#$%^&*`, min: 10, max: 128}),
	}
	rules = append(rules, providerRules()...)
	for i := range rules {
		rules[i].builtin = true
	}
	return rules
}

// pemRule detects a PEM block of the given label. The body may hold real
// newlines or, inside JSON text, "\n" escapes; it needs 64 or more base64
// characters so a bare BEGIN line in documentation does not match. A key
// can be longer than any keyword window (an 8192-bit RSA key, a PGP block
// with subkeys), so the regex runs from each BEGIN to the first END line
// after it (PEM blocks do not nest, RFC 7468 section 2).
func pemRule(id, desc, label string) Rule {
	return Rule{
		ID: id, Description: desc,
		Regex:    `(-----BEGIN ` + label + `-----(?:[A-Za-z0-9+/=\s:,\-]|\\[nr]){64,}?-----END ` + label + `-----)`,
		Keywords: []string{"-----BEGIN "}, Back: 2, Check: pemBody, Confidence: High, pem: true,
	}
}

// pemBody wants a block whose base64 body is at least 64 characters and
// not a placeholder.
func pemBody(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			n++
		}
	}
	return n >= 64+40 // the BEGIN/END labels contribute about 40
}

// mixedCase wants upper, lower and digit, as random base64 keys have and
// English-looking identifiers rarely do.
func mixedCase(s string) bool {
	var u, l, d bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z':
			u = true
		case c >= 'a' && c <= 'z':
			l = true
		case c >= '0' && c <= '9':
			d = true
		}
	}
	return u && l && d
}

// notWordy rejects values that are identifiers or prose rather than
// random: no digit and no symbol, or a dotted/underscored name such as
// "config.secret_name".
func notWordy(s string) bool {
	digits, symbols := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		case c == '_' || c == '.' || c == '-':
		default:
			symbols++
		}
	}
	return digits > 0 || symbols > 0
}

// jwtHeader checks that the first segment decodes to a JSON object with an
// "alg" member, which every JWS and JWE header has.
func jwtHeader(tok string) bool {
	head, _, _ := strings.Cut(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	_, ok := h["alg"]
	return ok
}
