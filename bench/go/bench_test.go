// Cached-token cost and cold-start request counts: m2mauth (through its C
// library) beside golang.org/x/oauth2/clientcredentials, in one run, against
// the same local issuer (`m2mauth issuer`).
//
//	cargo build --release -p m2mauth-ffi -p m2mauth-cli
//	cp target/release/libm2mauth.a bindings-ffi/go/lib/
//	cd bench/go && M2MAUTH_BIN=../../target/release/m2mauth go test -bench . -benchtime 2s
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	m2mauth "github.com/m2mauth/m2mauth/bindings-ffi/go"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

var issuer string

func TestMain(m *testing.M) {
	bin := os.Getenv("M2MAUTH_BIN")
	if bin == "" {
		bin = "../../target/release/m2mauth"
	}
	cmd := exec.Command(bin, "issuer", "--json", "--latency-ms", "20")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "cannot start", bin, err)
		os.Exit(2)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	var info struct{ Issuer string }
	json.Unmarshal([]byte(line), &info)
	issuer = info.Issuer
	code := m.Run()
	cmd.Process.Kill()
	cmd.Wait()
	os.Exit(code)
}

func tokenRequests() int {
	resp, err := http.Get(issuer + "/_testkit/stats")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var s struct {
		TokenRequests int `json:"token_requests"`
	}
	json.NewDecoder(resp.Body).Decode(&s)
	return s.TokenRequests
}

func reset() {
	resp, err := http.Post(issuer+"/_testkit/reset", "application/json", strings.NewReader(""))
	if err == nil {
		resp.Body.Close()
	}
}

func m2mauthSource(b *testing.B) oauth2.TokenSource {
	ts, err := m2mauth.NewTokenSource(m2mauth.Config{
		TokenURL: issuer + "/oauth2/token", ClientID: "test-client", ClientSecret: "test-secret",
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ts.Close() })
	return ts
}

func xoauth2Source() oauth2.TokenSource {
	cfg := clientcredentials.Config{
		TokenURL: issuer + "/oauth2/token", ClientID: "test-client", ClientSecret: "test-secret",
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	return cfg.TokenSource(context.Background())
}

var peers = []struct {
	name   string
	source func(*testing.B) oauth2.TokenSource
}{
	{"m2mauth", m2mauthSource},
	{"x-oauth2-clientcredentials", func(*testing.B) oauth2.TokenSource { return xoauth2Source() }},
}

// BenchmarkCachedToken: Token() on a warm cache, then its AccessToken read, as users do.
func BenchmarkCachedToken(b *testing.B) {
	for _, peer := range peers {
		b.Run(peer.name, func(b *testing.B) {
			ts := peer.source(b)
			if _, err := ts.Token(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			total := 0
			for i := 0; i < b.N; i++ {
				tok, err := ts.Token()
				if err != nil {
					b.Fatal(err)
				}
				total += len(tok.AccessToken)
			}
			if total == 0 {
				b.Fatal("empty tokens")
			}
		})
	}
}

// BenchmarkCachedTokenParallel: Token() on a warm cache from every core.
func BenchmarkCachedTokenParallel(b *testing.B) {
	for _, peer := range peers {
		b.Run(peer.name, func(b *testing.B) {
			ts := peer.source(b)
			ts.Token()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ts.Token()
				}
			})
		})
	}
}

// BenchmarkColdStampede: 100 goroutines ask a cold source at once; the
// metric is the number of token requests the IdP received.
func BenchmarkColdStampede(b *testing.B) {
	for _, peer := range peers {
		b.Run(peer.name, func(b *testing.B) {
			total := 0
			for i := 0; i < b.N; i++ {
				reset()
				ts := peer.source(b)
				var wg sync.WaitGroup
				for g := 0; g < 100; g++ {
					wg.Add(1)
					go func() { defer wg.Done(); ts.Token() }()
				}
				wg.Wait()
				total += tokenRequests()
			}
			b.ReportMetric(float64(total)/float64(b.N), "requests/100-callers")
		})
	}
}
