// Package interop holds end-to-end tests of Warden's plugins against real,
// independent counterparts: here, zitadel/oidc's example OpenID Provider.
package interop
