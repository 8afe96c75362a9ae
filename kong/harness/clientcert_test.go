package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestClientCertVars: $ssl_client_escaped_cert is the PEM of the client
// certificate, URI-component escaped ("+", "/", "=", line feeds), and
// $ssl_client_verify says NONE, SUCCESS or FAILED:reason, as nginx's
// ngx_ssl_get_escaped_certificate and ngx_ssl_get_client_verify do.
func TestClientCertVars(t *testing.T) {
	certPEM, _, err := SelfSignedCert("client.example")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	cs := &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}}
	esc := escapedCert(cs)
	if strings.ContainsAny(esc, "+/=\n ") {
		t.Errorf("escaped certificate has unescaped bytes: %q", esc[:40])
	}
	if raw, err := url.PathUnescape(esc); err != nil || raw != string(certPEM) {
		t.Errorf("unescaped certificate differs from its PEM: %v", err)
	}
	if escapedCert(nil) != "" || escapedCert(&tls.ConnectionState{}) != "" {
		t.Error("no certificate must be empty")
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	// A client certificate (clientAuth) signed by a CA in the pool.
	ca, caKey := newCA(t)
	client := issueClient(t, ca, caKey)
	caPool := x509.NewCertPool()
	caPool.AddCert(ca)
	ccs := &tls.ConnectionState{PeerCertificates: []*x509.Certificate{client}}
	for _, tt := range []struct {
		name string
		cs   *tls.ConnectionState
		pool *x509.CertPool
		want string
	}{
		{"plain HTTP", nil, nil, "NONE"},
		{"no certificate", &tls.ConnectionState{}, nil, "NONE"},
		{"self-signed, no CA", cs, nil, "FAILED:self-signed certificate"},
		{"another CA", cs, x509.NewCertPool(), "FAILED:self-signed certificate"},
		{"server certificate as a client's", cs, pool, "FAILED:unsupported certificate purpose"},
		{"issued by a trusted CA", ccs, caPool, "SUCCESS"},
		{"issued by a CA not configured", ccs, pool, "FAILED:unable to get local issuer certificate"},
	} {
		if got := clientVerify(tt.cs, tt.pool); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, k
}

func issueClient(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey) *x509.Certificate {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}
