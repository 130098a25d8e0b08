package m2mauth_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	m2mauth "github.com/m2mauth/m2mauth/bindings-ffi/go"
	"golang.org/x/oauth2"
)

// issuer is the base URL of `m2mauth issuer`, started by TestMain.
var issuer string

func TestMain(m *testing.M) {
	bin := os.Getenv("M2MAUTH_BIN")
	if bin == "" {
		bin = "../../target/debug/m2mauth"
	}
	cmd := exec.Command(bin, "issuer", "--json")
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot start the test issuer %s (build it with `cargo build -p m2mauth-cli`): %v\n", bin, err)
		os.Exit(2)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	var info struct{ Issuer string }
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		fmt.Fprintf(os.Stderr, "the test issuer said %q: %v\n", line, err)
		os.Exit(2)
	}
	issuer = info.Issuer
	code := m.Run()
	cmd.Process.Kill()
	cmd.Wait()
	os.Exit(code)
}

func admin(t testing.TB, path, body string) string {
	t.Helper()
	resp, err := http.Post(issuer+"/_testkit/"+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("admin %s: %v", path, err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	return string(text)
}

func tokenRequests(t testing.TB) int {
	t.Helper()
	resp, err := http.Get(issuer + "/_testkit/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct {
		TokenRequests int `json:"token_requests"`
	}
	json.NewDecoder(resp.Body).Decode(&stats)
	return stats.TokenRequests
}

func config() m2mauth.Config {
	return m2mauth.Config{TokenURL: issuer + "/oauth2/token", ClientID: "test-client", ClientSecret: "test-secret"}
}

func newSource(t testing.TB, cfg m2mauth.Config) *m2mauth.TokenSource {
	t.Helper()
	ts, err := m2mauth.NewTokenSource(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	return ts
}

// The outcome line of the shared vector format (tests/vectors/README.md).
func outcomeLine(token *oauth2.Token, err error) string {
	var e *m2mauth.Error
	if errors.As(err, &e) {
		fields := []string{"error code=" + e.Name}
		if e.HTTPStatus > 0 {
			fields = append(fields, fmt.Sprintf("status=%d", e.HTTPStatus))
		}
		if e.OAuthError != "" {
			fields = append(fields, "oauth_error="+e.OAuthError)
		}
		if e.RetryAfter > 0 {
			fields = append(fields, fmt.Sprintf("retry_after=%d", int(e.RetryAfter.Seconds())))
		}
		if e.Field != "" {
			fields = append(fields, "field="+e.Field)
		}
		if e.Description != "" {
			fields = append(fields, "description="+e.Description)
		}
		return strings.Join(fields, " ")
	}
	if err != nil {
		return "error code=unexpected " + err.Error()
	}
	scope, _ := token.Extra("scope").(string)
	left := math.Round(time.Until(token.Expiry).Seconds())
	return fmt.Sprintf("token token_type=%s expires_in=%d scopes=%s access_token=%s",
		token.TokenType, int(left), strings.ReplaceAll(scope, " ", ","), token.AccessToken)
}

// The sentinel for each error name, as users write errors.Is checks.
var sentinels = map[string]error{
	"config":                 m2mauth.ErrConfig,
	"invalid_client":         m2mauth.ErrInvalidClient,
	"invalid_scope":          m2mauth.ErrInvalidScope,
	"unauthorized_client":    m2mauth.ErrUnauthorizedClient,
	"invalid_grant":          m2mauth.ErrInvalidGrant,
	"access_denied":          m2mauth.ErrAccessDenied,
	"invalid_request":        m2mauth.ErrInvalidRequest,
	"unsupported_grant_type": m2mauth.ErrUnsupportedGrantType,
	"oauth_error":            m2mauth.ErrOAuthError,
	"rate_limited":           m2mauth.ErrRateLimited,
	"server_error":           m2mauth.ErrServerError,
	"http_status":            m2mauth.ErrHTTPStatus,
	"redirect":               m2mauth.ErrRedirect,
	"timeout":                m2mauth.ErrTimeout,
	"transport":              m2mauth.ErrTransport,
	"malformed_response":     m2mauth.ErrMalformedResponse,
	"internal":               m2mauth.ErrInternal,
}

// checkSentinel fails unless err matches the sentinel of its own name.
func checkSentinel(t *testing.T, err error) {
	t.Helper()
	var e *m2mauth.Error
	if err == nil || !errors.As(err, &e) {
		return
	}
	if s, ok := sentinels[e.Name]; !ok || !errors.Is(err, s) {
		t.Errorf("no sentinel matches error %q", e.Name)
	}
}

// Every shared conformance vector through the public Go API.
func TestConformanceVectors(t *testing.T) {
	files, _ := filepath.Glob("../../tests/vectors/exchange/*.json")
	sort.Strings(files)
	if len(files) < 40 {
		t.Fatalf("only %d vectors", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			vector, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			armed := admin(t, "vector", string(vector))
			configJSON, _, _ := strings.Cut(armed, "\n")
			var line string
			ts, err := m2mauth.NewTokenSourceFromJSON([]byte(configJSON))
			if err != nil {
				checkSentinel(t, err)
				line = outcomeLine(nil, err)
			} else {
				token, err := ts.Token()
				checkSentinel(t, err)
				line = outcomeLine(token, err)
				ts.Close()
			}
			if verdict := admin(t, "outcome", line); verdict != "ok" {
				t.Error(verdict)
			}
		})
	}
	admin(t, "reset", "")
}

func TestFetchesOnceThenCaches(t *testing.T) {
	admin(t, "reset", "")
	cfg := config()
	cfg.Scopes = []string{"read", "write"}
	ts := newSource(t, cfg)
	first, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	second, _ := ts.Token()
	if second != first {
		t.Error("the cached token is returned as the same *oauth2.Token")
	}
	if n := tokenRequests(t); n != 1 {
		t.Errorf("token requests: %d", n)
	}
	if first.Type() != "Bearer" || first.Extra("scope") != "read write" || !first.Valid() {
		t.Errorf("unexpected token %+v scope %v", first.TokenType, first.Extra("scope"))
	}
	header, err := ts.AuthorizationHeader(context.Background())
	if err != nil || header != "Bearer "+first.AccessToken {
		t.Errorf("authorization header %q, %v", header, err)
	}
	stats, err := ts.Stats()
	if err != nil || stats.Fetches != 1 || stats.CacheHits < 2 {
		t.Errorf("stats %+v %v", stats, err)
	}
}

func TestColdGoroutinesShareOneRequest(t *testing.T) {
	admin(t, "reset", "")
	admin(t, "latency", `{"ms":200}`)
	defer admin(t, "latency", `{"ms":0}`)
	ts := newSource(t, config())
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ts.Token(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := tokenRequests(t); n != 1 {
		t.Errorf("200 goroutines made %d token requests", n)
	}
}

func TestInvalidClientIsATypedError(t *testing.T) {
	admin(t, "reset", "")
	cfg := config()
	cfg.ClientSecret = "wrong-secret"
	ts := newSource(t, cfg)
	_, err := ts.Token()
	var e *m2mauth.Error
	if !errors.As(err, &e) || e.Code != m2mauth.CodeInvalidClient || e.HTTPStatus != 401 {
		t.Fatalf("want invalid_client, got %v", err)
	}
	if !errors.Is(err, m2mauth.ErrInvalidClient) || errors.Is(err, m2mauth.ErrTimeout) {
		t.Error("errors.Is matches by code")
	}
	if e.Description != "client authentication failed" || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("description %q, message %q", e.Description, err.Error())
	}
}

func TestHangingIdPTimesOut(t *testing.T) {
	admin(t, "reset", "")
	admin(t, "fault", `{"hang":true}`)
	defer admin(t, "reset", "")
	cfg := config()
	cfg.Timeout = 300 * time.Millisecond
	ts := newSource(t, cfg)
	_, err := ts.Token()
	if !errors.Is(err, m2mauth.ErrTimeout) {
		t.Fatalf("want a timeout, got %v", err)
	}
}

func TestCancelledContextDoesNotCancelTheFetch(t *testing.T) {
	admin(t, "reset", "")
	admin(t, "latency", `{"ms":300}`)
	defer admin(t, "latency", `{"ms":0}`)
	ts := newSource(t, config())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := ts.TokenContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the context's error, got %v", err)
	}
	if _, err := ts.Token(); err != nil {
		t.Fatal(err)
	}
	if n := tokenRequests(t); n != 1 {
		t.Errorf("token requests: %d", n)
	}
}

func TestOAuth2NewClientAddsTheToken(t *testing.T) {
	admin(t, "reset", "")
	ts := newSource(t, config())
	client := oauth2.NewClient(context.Background(), ts)
	resp, err := client.Get(issuer + "/api/whoami")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestTransportRetriesOnceAfterA401(t *testing.T) {
	admin(t, "reset", "")
	ts := newSource(t, config())
	client := m2mauth.NewClient(context.Background(), ts)
	get := func() int {
		resp, err := client.Get(issuer + "/api/whoami")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := get(); status != 200 {
		t.Fatalf("status %d", status)
	}
	admin(t, "revoke", "")
	if status := get(); status != 200 {
		t.Fatalf("after revocation: status %d", status)
	}
	if n := tokenRequests(t); n != 2 {
		t.Errorf("token requests: %d (one more after the 401)", n)
	}
	var api struct {
		APIRequests int `json:"api_requests"`
	}
	resp, _ := http.Get(issuer + "/_testkit/stats")
	json.NewDecoder(resp.Body).Decode(&api)
	resp.Body.Close()
	if api.APIRequests != 3 {
		t.Errorf("API requests: %d (200, 401, retried 200)", api.APIRequests)
	}
}

func TestBadConfigurationsAreErrorsNotCrashes(t *testing.T) {
	_, err := m2mauth.NewTokenSourceFromJSON([]byte("{not json"))
	var e *m2mauth.Error
	if !errors.As(err, &e) || e.Code != m2mauth.CodeConfig || e.Field != "config" {
		t.Errorf("invalid JSON: %v", err)
	}
	_, err = m2mauth.NewTokenSource(m2mauth.Config{TokenURL: "http://idp.example.com/t", ClientID: "a", ClientSecret: "b"})
	if !errors.As(err, &e) || e.Field != "token_url" {
		t.Errorf("http to a remote host: %v", err)
	}
	_, err = m2mauth.NewTokenSourceFromEnv("M2MAUTH_GO_TEST_UNSET")
	if !errors.As(err, &e) || e.Code != m2mauth.CodeConfig || e.Field != "M2MAUTH_GO_TEST_UNSET_TOKEN_URL" {
		t.Errorf("from an empty environment: %v", err)
	}
	_, err = m2mauth.NewTokenSourceFromJSON([]byte("{\"client_id\":\"\xff\"}"))
	if !errors.As(err, &e) || e.Code != m2mauth.CodeInvalidUTF8 {
		t.Errorf("invalid UTF-8: %v", err)
	}
	ts := newSource(t, config())
	ts.Close()
	if _, err := ts.Token(); !errors.Is(err, m2mauth.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := ts.Close(); err != nil {
		t.Error("a second Close is harmless")
	}
}

func TestInvalidateDropsATokenOnce(t *testing.T) {
	admin(t, "reset", "")
	ts := newSource(t, config())
	first, _ := ts.Token()
	if !ts.Invalidate(first) || ts.Invalidate(first) {
		t.Error("dropped once")
	}
	second, _ := ts.Token()
	if second.AccessToken == first.AccessToken {
		t.Error("a new token after invalidation")
	}
}
