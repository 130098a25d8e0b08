package m2mauth

/*
#include <stdlib.h>
#include <string.h>
#include "m2mauth.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/oauth2"
)

// TokenSource is a cached, self-refreshing source of access tokens. It is an
// oauth2.TokenSource and is safe for concurrent use; concurrent callers on a
// cold cache share one request. Close it when done (a finalizer frees it
// otherwise); do not call Close while other goroutines still use it.
type TokenSource struct {
	mu     sync.Mutex // guards src against concurrent Close
	src    *C.m2m_source
	closed atomic.Bool
	last   atomic.Pointer[cachedToken]
}

// cachedToken is the Go copy of the token with this fetch id.
type cachedToken struct {
	id    uint64
	token *oauth2.Token
}

var _ oauth2.TokenSource = (*TokenSource)(nil)

// NewTokenSource creates a source from a Config. Nothing is fetched yet;
// configuration errors (CodeConfig, naming the option) are reported now.
func NewTokenSource(cfg Config) (*TokenSource, error) {
	text, err := json.Marshal(cfg.options())
	if err != nil {
		return nil, &Error{Code: CodeConfig, Name: "config", Message: "invalid configuration: " + err.Error()}
	}
	return NewTokenSourceFromJSON(text)
}

// NewTokenSourceFromJSON creates a source from the JSON form every m2mauth
// language shares: {"token_url": "…", "client_id": "…", "client_secret": "…", "scopes": […]}.
func NewTokenSourceFromJSON(config []byte) (*TokenSource, error) {
	var src *C.m2m_source
	var cerr *C.m2m_error
	if code := withConfig(config, func(text *C.char) C.m2m_code { return C.m2m_source_new(text, &src, &cerr) }); code != C.M2M_OK {
		return nil, goError(code, cerr)
	}
	return wrap(src), nil
}

// NewTokenSourceFromEnv creates a source from <prefix>_* environment
// variables (prefix "" means "M2MAUTH"; "SSOJET" reads the SSOJet docs' names).
func NewTokenSourceFromEnv(prefix string) (*TokenSource, error) {
	var src *C.m2m_source
	var cerr *C.m2m_error
	if code := withPrefix(prefix, func(p *C.char) C.m2m_code { return C.m2m_source_from_env(p, &src, &cerr) }); code != C.M2M_OK {
		return nil, goError(code, cerr)
	}
	return wrap(src), nil
}

func wrap(src *C.m2m_source) *TokenSource {
	ts := &TokenSource{src: src}
	runtime.SetFinalizer(ts, (*TokenSource).Close)
	return ts
}

// Token returns a valid token: the cached one, or a freshly fetched one.
// It implements oauth2.TokenSource.
func (ts *TokenSource) Token() (*oauth2.Token, error) {
	return ts.TokenContext(context.Background())
}

// TokenContext is Token with a context: if ctx ends first, it returns
// ctx.Err() and the fetch goes on for the other callers.
func (ts *TokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	if ts.closed.Load() {
		return nil, ErrClosed
	}
	var id C.uint64_t
	if C.m2m_source_cached_token_id(ts.src, &id, nil) == C.M2M_OK && id != 0 {
		if last := ts.last.Load(); last != nil && last.id == uint64(id) {
			return last.token, nil
		}
	}
	done, err := requestToken(ts.src)
	runtime.KeepAlive(ts)
	if err != nil {
		return nil, err
	}
	select {
	case got := <-done:
		if got.err != nil {
			return nil, got.err
		}
		ts.last.Store(&cachedToken{id: got.id, token: got.token})
		return got.token, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// AuthorizationHeader returns "Bearer <token>" for an Authorization header,
// from the same cache as TokenContext.
func (ts *TokenSource) AuthorizationHeader(ctx context.Context) (string, error) {
	token, err := ts.TokenContext(ctx)
	if err != nil {
		return "", err
	}
	return token.Type() + " " + token.AccessToken, nil
}

// Invalidate drops token from the cache after an API rejected it (HTTP
// 401), so the next call fetches a new one. Only that exact token is
// dropped, and only once; it reports whether it was still cached.
func (ts *TokenSource) Invalidate(token *oauth2.Token) bool {
	if token == nil || ts.closed.Load() {
		return false
	}
	value := C.CString(token.AccessToken)
	defer C.free(unsafe.Pointer(value))
	var dropped C.bool
	C.m2m_source_invalidate_value(ts.src, value, &dropped, nil)
	runtime.KeepAlive(ts)
	return bool(dropped)
}

// Revoke revokes token at the IdP (RFC 7009), at the configured
// RevocationURL or the issuer's discovered endpoint, and drops it from the
// cache. If ctx ends first, Revoke returns ctx.Err() and the request goes on.
func (ts *TokenSource) Revoke(ctx context.Context, token *oauth2.Token) error {
	if ts.closed.Load() {
		return ErrClosed
	}
	if token == nil {
		return &Error{Code: CodeConfig, Name: "config", Family: "config", Message: "Revoke needs a token", Field: "token"}
	}
	done := make(chan error, 1)
	go func() {
		value := C.CString(token.AccessToken)
		defer C.free(unsafe.Pointer(value))
		var cerr *C.m2m_error
		code := C.m2m_source_revoke(ts.src, value, &cerr)
		runtime.KeepAlive(ts)
		if code != C.M2M_OK {
			done <- goError(code, cerr)
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DPoPProof returns the DPoP header (RFC 9449) for a method request to url
// carrying accessToken ("" for none), or "" when the source does not use
// DPoP. Send it with "Authorization: DPoP <token>"; Transport does both.
func (ts *TokenSource) DPoPProof(method, url, accessToken string) (string, error) {
	if ts.closed.Load() {
		return "", ErrClosed
	}
	defer runtime.KeepAlive(ts)
	cmethod, curl := C.CString(method), C.CString(url)
	defer C.free(unsafe.Pointer(cmethod))
	defer C.free(unsafe.Pointer(curl))
	var ctoken *C.char
	if accessToken != "" {
		ctoken = C.CString(accessToken)
		defer C.free(unsafe.Pointer(ctoken))
	}
	var proof *C.char
	var cerr *C.m2m_error
	if code := C.m2m_source_dpop_proof(ts.src, cmethod, curl, ctoken, &proof, &cerr); code != C.M2M_OK {
		return "", goError(code, cerr)
	}
	if proof == nil {
		return "", nil
	}
	defer C.m2m_string_free(proof)
	return C.GoString(proof), nil
}

// DPoPAnswer reads a resource server's answer to a request sent with a DPoP
// proof: it records any DPoP-Nonce, and reports whether the answer is a 401
// asking for a nonce, in which case the request should be sent once more
// with a new proof (the token is still good).
func (ts *TokenSource) DPoPAnswer(url string, status int, wwwAuthenticate, dpopNonce string) bool {
	if ts.closed.Load() || status < 0 || status > 65535 {
		return false
	}
	defer runtime.KeepAlive(ts)
	curl := C.CString(url)
	defer C.free(unsafe.Pointer(curl))
	optional := func(s string) *C.char {
		if s == "" {
			return nil
		}
		return C.CString(s)
	}
	cchallenge, cnonce := optional(wwwAuthenticate), optional(dpopNonce)
	defer C.free(unsafe.Pointer(cchallenge))
	defer C.free(unsafe.Pointer(cnonce))
	var retry C.bool
	C.m2m_source_dpop_answer(ts.src, curl, C.uint16_t(status), cchallenge, cnonce, &retry, nil)
	return bool(retry)
}

// Stats reports what the source has done.
type Stats struct {
	CacheHits uint64 // calls answered from the cache
	Waits     uint64 // calls that waited for the IdP
	Fetches   uint64 // token requests that returned a token
	Refreshes uint64 // of those, refreshes ahead of expiry
	Failures  uint64 // token requests that failed
	// The fleet cache (Redis): tokens read from it instead of the IdP, fetches
	// that waited for another process's lease or took one over, and fetches
	// during which Redis failed (each then fetched for itself).
	L2Hits, LeaseWaits, LeaseTakeovers, L2Errors uint64
	LastError                                    *Error // the most recent failure, if any
}

// Stats returns the source's counters.
func (ts *TokenSource) Stats() (Stats, error) {
	var stats Stats
	if ts.closed.Load() {
		return stats, ErrClosed
	}
	defer runtime.KeepAlive(ts)
	var counters C.m2m_stats
	var cerr *C.m2m_error
	if code := C.m2m_source_stats(ts.src, &counters, &cerr); code != C.M2M_OK {
		return stats, goError(code, cerr)
	}
	stats = Stats{
		CacheHits:      uint64(counters.cache_hits),
		Waits:          uint64(counters.waits),
		Fetches:        uint64(counters.fetches),
		Refreshes:      uint64(counters.refreshes),
		Failures:       uint64(counters.failures),
		L2Hits:         uint64(counters.l2_hits),
		LeaseWaits:     uint64(counters.lease_waits),
		LeaseTakeovers: uint64(counters.lease_takeovers),
		L2Errors:       uint64(counters.l2_errors),
	}
	var last *C.m2m_error
	if code := C.m2m_source_last_error(ts.src, &last, &cerr); code != C.M2M_OK {
		return stats, goError(code, cerr)
	}
	if last != nil {
		e, _ := goError(C.m2m_error_code(last), last).(*Error)
		stats.LastError = e
	}
	return stats, nil
}

// Close frees the source. Later calls return ErrClosed. Safe to call twice.
func (ts *TokenSource) Close() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.closed.Swap(true) {
		return nil
	}
	C.m2m_source_free(ts.src)
	ts.src = nil
	runtime.SetFinalizer(ts, nil)
	return nil
}
