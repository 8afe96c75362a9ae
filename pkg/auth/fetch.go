package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/warden-gw/warden/pkg/pool"
)

// fetcher makes outbound requests with a timeout, a response size cap, no
// redirects and, unless allowed, https only. One is shared process-wide
// per HTTPSettings (package pool): instances are never closed by go-pdk.
type fetcher struct {
	client    *http.Client
	maxBytes  int64
	allowHTTP bool
}

var fetchers = pool.New[*fetcher]()

func newFetcher(s HTTPSettings) (*fetcher, error) {
	return fetchers.Get(s, func() (*fetcher, error) {
		tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if s.CACertPEM != "" {
			cp, err := certPool(s.CACertPEM)
			if err != nil {
				return nil, err
			}
			tlsCfg.RootCAs = cp
		}
		timeout := time.Duration(s.TimeoutMS) * time.Millisecond
		tr := &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            (&net.Dialer{Timeout: timeout}).DialContext,
			TLSClientConfig:        tlsCfg,
			TLSHandshakeTimeout:    timeout,
			ResponseHeaderTimeout:  timeout,
			MaxIdleConnsPerHost:    8,
			IdleConnTimeout:        90 * time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		}
		return &fetcher{
			client: &http.Client{
				Transport: tr,
				Timeout:   timeout,
				// A redirect could lead to plain http or elsewhere; an
				// identity provider has no reason to send one.
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			},
			maxBytes:  int64(s.MaxResponseBytes),
			allowHTTP: s.AllowHTTP,
		}, nil
	})
}

// certPool returns the system roots plus the PEM certificates in pemCerts.
func certPool(pemCerts string) (*x509.CertPool, error) {
	cp, err := x509.SystemCertPool()
	if err != nil || cp == nil {
		cp = x509.NewCertPool()
	}
	if !cp.AppendCertsFromPEM([]byte(pemCerts)) {
		return nil, errors.New("no PEM certificate found")
	}
	return cp, nil
}

// response is a fetched body and its caching lifetime.
type response struct {
	body   []byte
	maxAge time.Duration // from Cache-Control; 0 when absent
}

// do sends req and reads a 200 response of at most maxBytes.
func (f *fetcher) do(req *http.Request) (response, error) {
	if req.URL.Scheme != "https" && !(f.allowHTTP && req.URL.Scheme == "http") {
		return response{}, ErrInsecureURL
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("requesting %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return response{}, fmt.Errorf("%w: %s answered %d", ErrUnexpectedResponse, req.URL.Redacted(), resp.StatusCode)
	}
	if resp.ContentLength > f.maxBytes {
		return response{}, ErrResponseTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return response{}, fmt.Errorf("reading %s: %w", req.URL.Redacted(), err)
	}
	if int64(len(b)) > f.maxBytes {
		return response{}, ErrResponseTooLarge
	}
	return response{body: b, maxAge: maxAge(resp.Header.Get("Cache-Control"))}, nil
}

// get fetches url with GET.
func (f *fetcher) get(ctx context.Context, url string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Accept", "application/json")
	return f.do(req)
}

// maxAge reads max-age from a Cache-Control value: 0 when absent (use the
// configured interval); no-store and no-cache give the smallest duration,
// which the caller raises to its lower bound.
func maxAge(cc string) time.Duration {
	for part := range strings.SplitSeq(cc, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		if part == "no-store" || part == "no-cache" {
			return time.Nanosecond
		}
		if v, ok := strings.CutPrefix(part, "max-age="); ok {
			n, err := strconv.Atoi(strings.Trim(v, `"`))
			if err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}
