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
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Verifier checks the access tokens a service receives: JWTs against the
// issuer's JWKS (cached, refreshed ahead of expiry, kept through outages,
// refetched at most once per cooldown for an unknown kid), opaque tokens by
// introspection. It is safe for concurrent use. Close it when done (a
// finalizer frees it otherwise); do not call Close while other goroutines
// still use it.
//
//	v, err := m2mauth.NewVerifier(m2mauth.VerifierConfig{
//		Issuer:   "https://idp.example.com/",
//		Audience: []string{"https://api.example.com"},
//	})
//	claims, err := v.Verify(ctx, token, "orders:read")
type Verifier struct {
	mu     sync.Mutex // guards v against concurrent Close
	v      *C.m2m_verifier
	closed atomic.Bool
}

// NewVerifier creates a verifier from a VerifierConfig. Nothing is fetched
// yet; configuration errors (CodeConfig, naming the option) are reported now.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	text, err := json.Marshal(cfg.options())
	if err != nil {
		return nil, &Error{Code: CodeConfig, Name: "config", Family: "config", Message: "invalid configuration: " + err.Error()}
	}
	return NewVerifierFromJSON(text)
}

// NewVerifierFromJSON creates a verifier from the JSON form every m2mauth
// language shares: {"issuer": "…", "audience": ["…"], "algorithms": ["RS256"]}.
func NewVerifierFromJSON(config []byte) (*Verifier, error) {
	var v *C.m2m_verifier
	var cerr *C.m2m_error
	if code := withConfig(config, func(text *C.char) C.m2m_code { return C.m2m_verifier_new(text, &v, &cerr) }); code != C.M2M_OK {
		return nil, goError(code, cerr)
	}
	return wrapVerifier(v), nil
}

// NewVerifierFromEnv creates a verifier from <prefix>_* environment
// variables (prefix "" means "M2MAUTH"): <P>_ISSUER, <P>_AUDIENCE, …
func NewVerifierFromEnv(prefix string) (*Verifier, error) {
	var v *C.m2m_verifier
	var cerr *C.m2m_error
	if code := withPrefix(prefix, func(p *C.char) C.m2m_code { return C.m2m_verifier_from_env(p, &v, &cerr) }); code != C.M2M_OK {
		return nil, goError(code, cerr)
	}
	return wrapVerifier(v), nil
}

func wrapVerifier(v *C.m2m_verifier) *Verifier {
	verifier := &Verifier{v: v}
	runtime.SetFinalizer(verifier, (*Verifier).Close)
	return verifier
}

// Verify checks token (without "Bearer ") and that it carries every one of
// scopes, beyond the configured RequiredScopes. A refused token is an
// *Error of the "invalid_token" family (ErrTokenExpired,
// ErrInsufficientScope, …; Error.Detail names the missing scopes); keys
// that cannot be had are ErrJWKSUnavailable. If ctx ends first, Verify
// returns ctx.Err().
func (v *Verifier) Verify(ctx context.Context, token string, scopes ...string) (*Claims, error) {
	if v.closed.Load() {
		return nil, ErrClosed
	}
	// Once the keys are cached, on this goroutine: no hop to a library thread.
	if claims, decided, err := verifyNow(v.v, token, scopes); decided {
		runtime.KeepAlive(v)
		if err != nil {
			return nil, err
		}
		return parseClaims(claims)
	}
	done, err := requestVerify(v.v, token, scopes)
	runtime.KeepAlive(v)
	if err != nil {
		return nil, err
	}
	select {
	case got := <-done:
		if got.err != nil {
			return nil, got.err
		}
		return parseClaims(got.json)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// VerifyRequest checks an incoming request: its Authorization header
// ("Bearer …" or "DPoP …") and, for a token bound to a DPoP key (cnf.jkt),
// its DPoP header as the proof for the request's method and URL (RFC 9449;
// replays are refused). The URL is the one the client used: https when the
// connection is TLS, r.Host, r.URL's path (behind a TLS-terminating proxy,
// set r.TLS or rewrite r.URL first). Middleware calls it.
func (v *Verifier) VerifyRequest(r *http.Request, scopes ...string) (*Claims, error) {
	if v.closed.Load() {
		return nil, ErrClosed
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	url := scheme + "://" + r.Host + r.URL.RequestURI()
	type answer struct {
		claims *Claims
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		strs := []string{r.Header.Get("Authorization"), r.Method, url, strings.Join(scopes, " ")}
		cs := make([]*C.char, len(strs))
		for i, s := range strs {
			cs[i] = C.CString(s)
			defer C.free(unsafe.Pointer(cs[i]))
		}
		var cdpop *C.char
		if proof := r.Header.Get("DPoP"); proof != "" {
			cdpop = C.CString(proof)
			defer C.free(unsafe.Pointer(cdpop))
		}
		var out *C.char
		var cerr *C.m2m_error
		code := C.m2m_verifier_verify_request(v.v, cs[0], cdpop, cs[1], cs[2], cs[3], &out, &cerr)
		runtime.KeepAlive(v)
		if code != C.M2M_OK {
			done <- answer{err: goError(code, cerr)}
			return
		}
		text := takeString(out)
		claims, err := parseClaims(text)
		done <- answer{claims: claims, err: err}
	}()
	select {
	case got := <-done:
		return got.claims, got.err
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}

// Introspect asks the IdP whether token is active (RFC 7662) and returns
// its answer; an inactive token is {"active": false}, not an error. If ctx
// ends first, Introspect returns ctx.Err().
func (v *Verifier) Introspect(ctx context.Context, token string) (map[string]any, error) {
	if v.closed.Load() {
		return nil, ErrClosed
	}
	type answer struct {
		fields map[string]any
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		value := C.CString(token)
		defer C.free(unsafe.Pointer(value))
		var out *C.char
		var cerr *C.m2m_error
		code := C.m2m_verifier_introspect(v.v, value, &out, &cerr)
		runtime.KeepAlive(v)
		if code != C.M2M_OK {
			done <- answer{err: goError(code, cerr)}
			return
		}
		text := takeString(out)
		var fields map[string]any
		if err := json.Unmarshal([]byte(text), &fields); err != nil {
			done <- answer{err: &Error{Code: CodeInternal, Name: "internal", Family: "internal", Message: "introspection answer: " + err.Error()}}
			return
		}
		done <- answer{fields: fields}
	}()
	select {
	case got := <-done:
		return got.fields, got.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close frees the verifier. Later calls return ErrClosed. Safe to call twice.
func (v *Verifier) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed.Swap(true) {
		return nil
	}
	C.m2m_verifier_free(v.v)
	v.v = nil
	runtime.SetFinalizer(v, nil)
	return nil
}
