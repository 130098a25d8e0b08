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
	"reflect"
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

// errorTable is tests/vectors/error_codes.json, the core's error table.
type errorTable struct {
	Families []string `json:"families"`
	Codes    []struct {
		Code   string `json:"code"`
		Name   string `json:"name"`
		Number uint32 `json:"number"`
		Family string `json:"family"`
	} `json:"codes"`
}

func readErrorTable(t *testing.T) errorTable {
	t.Helper()
	text, err := os.ReadFile("../../tests/vectors/error_codes.json")
	if err != nil {
		t.Fatal(err)
	}
	var table errorTable
	if err := json.Unmarshal(text, &table); err != nil {
		t.Fatal(err)
	}
	return table
}

// The sentinel for each error name, found by name as users would spell it.
var sentinels = func() map[string]error {
	m := map[string]error{}
	for _, s := range m2mauth.Sentinels() {
		m[s.Name] = s
	}
	return m
}()

// Every code of the core's table has a sentinel with its number and family.
func TestEveryCoreErrorCodeHasASentinel(t *testing.T) {
	table := readErrorTable(t)
	if len(table.Codes) < 30 {
		t.Fatalf("only %d codes", len(table.Codes))
	}
	for _, c := range table.Codes {
		s, ok := sentinels[c.Code].(*m2mauth.Error)
		if !ok {
			t.Errorf("no sentinel for %s", c.Code)
			continue
		}
		if uint32(s.Code) != c.Number || s.Family != c.Family {
			t.Errorf("%s: sentinel has code %d family %q, the table %d %q", c.Code, s.Code, s.Family, c.Number, c.Family)
		}
	}
}

// optionTable is tests/vectors/options.json, the core's option table.
type optionRow struct {
	Component string `json:"component"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Go        string `json:"go"`
}

// Every option of the core's table is a field of Config or VerifierConfig,
// with the table's Go name and a Go type that fits its type.
func TestEveryCoreOptionIsAConfigField(t *testing.T) {
	text, err := os.ReadFile("../../tests/vectors/options.json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []optionRow
	if err := json.Unmarshal(text, &rows); err != nil {
		t.Fatal(err)
	}
	types := map[string]string{
		"string": "string", "secret": "string", "path": "string", "choice": "string",
		"words": "[]string", "uris": "[]string", "seconds": "time.Duration", "count": "*int",
		"bool": "bool", "params": "map[string]string", "claims": "map[string]interface {}",
	}
	structs := map[string]reflect.Type{
		"token_source": reflect.TypeOf(m2mauth.Config{}),
		"verifier":     reflect.TypeOf(m2mauth.VerifierConfig{}),
	}
	seen := map[string]int{}
	for _, row := range rows {
		st := structs[row.Component]
		if st == nil {
			t.Errorf("unknown component %s", row.Component)
			continue
		}
		field, ok := st.FieldByName(row.Go)
		if !ok {
			t.Errorf("%s has no field %s for option %s", st.Name(), row.Go, row.Name)
			continue
		}
		if tag := field.Tag.Get("m2m"); tag != row.Name {
			t.Errorf("%s.%s is tagged %q, want %q", st.Name(), row.Go, tag, row.Name)
		}
		if field.Type.String() != types[row.Type] {
			t.Errorf("%s.%s is %s, want %s for a %s", st.Name(), row.Go, field.Type, types[row.Type], row.Type)
		}
		seen[row.Component]++
	}
	for component, st := range structs {
		if st.NumField() != seen[component] {
			t.Errorf("%s has %d fields, the table %d options", st.Name(), st.NumField(), seen[component])
		}
	}
}

// Printing a Config never shows a secret, whatever the verb.
func TestConfigPrintsWithoutSecrets(t *testing.T) {
	cfg := config()
	cfg.ClientSecret = "canary-secret-value"
	cfg.ExtraParams = map[string]string{"api_key": "canary-param-value"}
	for _, text := range []string{fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), fmt.Sprintf("%+v", &cfg)} {
		if strings.Contains(text, "canary") {
			t.Errorf("a secret is shown: %s", text)
		}
		if !strings.Contains(text, "ClientID:test-client") {
			t.Errorf("the client id is not shown: %s", text)
		}
	}
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
