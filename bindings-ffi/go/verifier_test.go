package m2mauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	m2mauth "github.com/m2mauth/m2mauth/bindings-ffi/go"
)

const api = "https://api.test"

// mint asks the test issuer for a JWT with good claims plus extra, signed as how says.
func mint(t *testing.T, extra map[string]any, how map[string]any) string {
	t.Helper()
	claims := map[string]any{
		"iss": issuer, "aud": api, "sub": "svc", "client_id": "test-client",
		"scope": "read write", "exp": time.Now().Add(5 * time.Minute).Unix(),
	}
	for k, v := range extra {
		claims[k] = v
	}
	spec := map[string]any{"claims": claims}
	for k, v := range how {
		spec[k] = v
	}
	body, _ := json.Marshal(spec)
	return admin(t, "mint", string(body))
}

func newVerifier(t *testing.T, cfg m2mauth.VerifierConfig) *m2mauth.Verifier {
	t.Helper()
	if cfg.Issuer == "" {
		cfg.Issuer = issuer
	}
	if cfg.Audience == nil {
		cfg.Audience = []string{api}
	}
	v, err := m2mauth.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func TestVerifierAcceptsGoodTokensAndNamesWhatIsWrongWithBadOnes(t *testing.T) {
	admin(t, "reset", "")
	v := newVerifier(t, m2mauth.VerifierConfig{})
	ctx := context.Background()
	claims, err := v.Verify(ctx, mint(t, nil, nil), "read")
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "svc" || claims.Issuer != issuer || claims.ClientID != "test-client" ||
		!claims.HasScope("write") || len(claims.Audience) != 1 || claims.Audience[0] != api ||
		time.Until(claims.ExpiresAt) < 4*time.Minute {
		t.Errorf("claims: %+v", claims)
	}
	_, err = v.Verify(ctx, mint(t, nil, nil), "read", "admin", "delete")
	var e *m2mauth.Error
	if !errors.Is(err, m2mauth.ErrInsufficientScope) || !errors.As(err, &e) || e.Detail != "admin delete" || e.Family != "invalid_token" {
		t.Errorf("missing scopes: %#v", err)
	}
	cases := []struct {
		name  string
		token string
		want  *m2mauth.Error
	}{
		{"forged kid", mint(t, nil, map[string]any{"forged": true}), m2mauth.ErrTokenUnknownKey},
		{"forged with a published kid", mint(t, nil, map[string]any{"forged": true, "kid": nil}), m2mauth.ErrTokenSignature},
		{"expired", mint(t, map[string]any{"exp": 1600000000}, nil), m2mauth.ErrTokenExpired},
		{"another issuer", mint(t, map[string]any{"iss": "https://evil.example"}, nil), m2mauth.ErrTokenIssuer},
		{"another audience", mint(t, map[string]any{"aud": "https://other.api"}, nil), m2mauth.ErrTokenAudience},
		{"alg none", mint(t, nil, map[string]any{"alg_header": "none", "unsigned": true}), m2mauth.ErrTokenAlgorithm},
		{"not a JWT", "abc.def", m2mauth.ErrTokenMalformed},
	}
	for _, c := range cases {
		if _, err := v.Verify(ctx, c.token); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want.Name)
		}
	}
}

func TestVerifierConfigurationErrorsNameTheOption(t *testing.T) {
	_, err := m2mauth.NewVerifier(m2mauth.VerifierConfig{Issuer: "https://idp.example"})
	var e *m2mauth.Error
	if !errors.As(err, &e) || e.Code != m2mauth.CodeConfig || e.Field != "audience" {
		t.Errorf("no audience: %v", err)
	}
	_, err = m2mauth.NewVerifier(m2mauth.VerifierConfig{Issuer: "https://idp.example", Audience: []string{api}, Algorithms: []string{"none"}})
	if !errors.As(err, &e) || e.Field != "algorithms" {
		t.Errorf("alg none: %v", err)
	}
	v, err := m2mauth.NewVerifierFromJSON([]byte(`{"issuer":"https://idp.example","audience":"api"}`))
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	if _, err := v.Verify(context.Background(), "x"); !errors.Is(err, m2mauth.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestVerifyReturnsWhenTheContextEnds(t *testing.T) {
	admin(t, "reset", "")
	admin(t, "jwks", `{"delay_ms": 3000}`)
	defer admin(t, "jwks", `{}`)
	v := newVerifier(t, m2mauth.VerifierConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := v.Verify(ctx, mint(t, nil, nil)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
}

// get calls url with an optional bearer token and returns status, WWW-Authenticate and body.
func get(t *testing.T, url, token string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("WWW-Authenticate"), string(body)
}

func TestMiddlewareGuardsANetHTTPHandler(t *testing.T) {
	admin(t, "reset", "")
	v := newVerifier(t, m2mauth.VerifierConfig{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := m2mauth.ClaimsFromContext(r.Context())
		if !ok {
			http.Error(w, "no claims", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "hello %s", claims.Subject)
	})
	server := httptest.NewServer(v.Middleware("read")(handler))
	defer server.Close()

	if status, challenge, _ := get(t, server.URL, ""); status != 401 || challenge != `Bearer realm="api"` {
		t.Errorf("no token: %d %q", status, challenge)
	}
	if status, _, body := get(t, server.URL, mint(t, nil, nil)); status != 200 || body != "hello svc" {
		t.Errorf("a good token: %d %q", status, body)
	}
	narrow := mint(t, map[string]any{"scope": "write"}, nil)
	status, challenge, body := get(t, server.URL, narrow)
	if status != 403 || !strings.Contains(challenge, `error="insufficient_scope", scope="read"`) || !strings.Contains(body, `"scope":"read"`) {
		t.Errorf("a missing scope: %d %q %q", status, challenge, body)
	}
	expired := mint(t, map[string]any{"exp": 1600000000}, nil)
	status, challenge, body = get(t, server.URL, expired)
	if status != 401 || !strings.Contains(challenge, `error="invalid_token"`) || strings.Contains(body+challenge, expired) {
		t.Errorf("an expired token: %d %q %q", status, challenge, body)
	}
}

func TestMiddlewareAnswers503WhenTheKeysCannotBeHad(t *testing.T) {
	admin(t, "reset", "")
	admin(t, "jwks", `{"status": 503}`)
	defer admin(t, "jwks", `{}`)
	v := newVerifier(t, m2mauth.VerifierConfig{})
	server := httptest.NewServer(v.Middleware()(http.NotFoundHandler()))
	defer server.Close()
	status, _, body := get(t, server.URL, mint(t, nil, nil))
	if status != 503 || !strings.Contains(body, "temporarily_unavailable") {
		t.Errorf("a JWKS outage on a cold cache: %d %q", status, body)
	}
}

func TestOpaqueTokensAreIntrospectedAndRevoked(t *testing.T) {
	admin(t, "reset", "")
	admin(t, "tokens", `{"format": "opaque"}`)
	defer admin(t, "tokens", `{"format": "jwt"}`)
	cfg := config()
	cfg.Audience = api
	cfg.RevocationURL = issuer + "/oauth2/revoke"
	ts := newSource(t, cfg)
	token, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	introspecting := m2mauth.VerifierConfig{ClientID: "test-client", ClientSecret: "test-secret"}
	v := newVerifier(t, introspecting)
	ctx := context.Background()
	if answer, err := v.Introspect(ctx, token.AccessToken); err != nil || answer["active"] != true {
		t.Errorf("active: %v %v", answer, err)
	}
	if claims, err := v.Verify(ctx, token.AccessToken); err != nil || claims.ClientID != "test-client" {
		t.Errorf("an active opaque token verifies: %v %v", claims, err)
	}
	if err := ts.Revoke(ctx, token); err != nil {
		t.Fatal(err)
	}
	fresh := newVerifier(t, introspecting) // the first one caches its answer for a while
	if _, err := fresh.Verify(ctx, token.AccessToken); !errors.Is(err, m2mauth.ErrTokenInactive) {
		t.Errorf("a revoked token: %v", err)
	}
	if next, err := ts.Token(); err != nil || next.AccessToken == token.AccessToken {
		t.Errorf("the revoked token left the cache: %v", err)
	}
}

func TestMiddlewareTakesDPoPBoundTokensOnlyWithTheirProof(t *testing.T) {
	admin(t, "reset", "")
	v := newVerifier(t, m2mauth.VerifierConfig{})
	server := httptest.NewServer(v.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := m2mauth.ClaimsFromContext(r.Context())
		fmt.Fprint(w, claims.Raw["cnf"] != nil)
	})))
	defer server.Close()
	cfg := config()
	cfg.DPoP, cfg.Audience = true, api
	ts := newSource(t, cfg)
	client := &http.Client{Transport: &m2mauth.Transport{Source: ts}}
	resp, err := client.Get(server.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "true" {
		t.Fatalf("a bound token with its proof: %d %s", resp.StatusCode, body)
	}
	token, _ := ts.Token()
	proof, _ := ts.DPoPProof("GET", server.URL+"/", token.AccessToken)
	send := func() *http.Response {
		req, _ := http.NewRequest(http.MethodGet, server.URL+"/", nil)
		req.Header.Set("Authorization", "DPoP "+token.AccessToken)
		req.Header.Set("DPoP", proof)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if first := send(); first.StatusCode != 200 {
		t.Errorf("a fresh proof: %d", first.StatusCode)
	}
	replayed := send()
	if replayed.StatusCode != 401 || !strings.HasPrefix(replayed.Header.Get("WWW-Authenticate"), `DPoP error="invalid_dpop_proof"`) {
		t.Errorf("a replayed proof: %d %q", replayed.StatusCode, replayed.Header.Get("WWW-Authenticate"))
	}
	if status, challenge, _ := get(t, server.URL, token.AccessToken); status != 401 || !strings.HasPrefix(challenge, "DPoP") {
		t.Errorf("a bound token sent as Bearer: %d %q", status, challenge)
	}
}
