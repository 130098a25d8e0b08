// Access-token verification cost and cold-start JWKS request counts:
// m2mauth's Verifier (through its C library) beside
// github.com/golang-jwt/jwt/v5 and the floor (crypto/rsa, crypto/ecdsa,
// crypto/ed25519 on the signing input), for RS256, ES256 and EdDSA tokens
// minted by the same local issuer (`m2mauth issuer`, see bench_test.go).
//
//	cd bench/go && M2MAUTH_BIN=../../target/release/m2mauth go test -bench Verify -benchtime 2s
package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	m2mauth "github.com/m2mauth/m2mauth/bindings-ffi/go"
)

const audience = "https://api.example.com"

var algs = []string{"RS256", "ES256", "EdDSA"}

func admin(b *testing.B, path, body string) string {
	b.Helper()
	resp, err := http.Post(issuer+"/_testkit/"+path, "application/json", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d %s", path, resp.StatusCode, text)
	}
	return string(text)
}

// mint asks the issuer for a JWT access token signed with alg.
func mint(b *testing.B, alg string) string {
	now := time.Now().Unix()
	spec, _ := json.Marshal(map[string]any{"alg": alg, "claims": map[string]any{
		"iss": issuer, "aud": audience, "sub": "svc", "client_id": "svc",
		"iat": now, "exp": now + 3600, "scope": "read write",
	}})
	return strings.TrimSpace(admin(b, "mint", string(spec)))
}

func jwksRequests() int {
	resp, err := http.Get(issuer + "/_testkit/stats")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var s struct {
		JWKSRequests int `json:"jwks_requests"`
	}
	json.NewDecoder(resp.Body).Decode(&s)
	return s.JWKSRequests
}

type jwk struct {
	Kid, Kty, Crv, N, E, X, Y string
}

func b64(b *testing.B, text string) []byte {
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// publicKey turns a JWK of the issuer's JWKS into a crypto public key.
func publicKey(b *testing.B, k jwk) crypto.PublicKey {
	switch k.Kty {
	case "RSA":
		return &rsa.PublicKey{N: new(big.Int).SetBytes(b64(b, k.N)), E: int(new(big.Int).SetBytes(b64(b, k.E)).Int64())}
	case "EC":
		point := append(append([]byte{4}, b64(b, k.X)...), b64(b, k.Y)...)
		key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
		if err != nil {
			b.Fatal(err)
		}
		return key
	case "OKP":
		return ed25519.PublicKey(b64(b, k.X))
	}
	b.Fatalf("unexpected key type %q", k.Kty)
	return nil
}

// keys fetches the issuer's JWKS, by kid.
func keys(b *testing.B) map[string]crypto.PublicKey {
	resp, err := http.Get(issuer + "/.well-known/jwks.json")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []jwk }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		b.Fatal(err)
	}
	byKid := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		byKid[k.Kid] = publicKey(b, k)
	}
	return byKid
}

func kidOf(b *testing.B, token string) string {
	var header struct{ Kid string }
	json.Unmarshal(b64(b, strings.SplitN(token, ".", 2)[0]), &header)
	return header.Kid
}

// floor is the bare signature check of token: the signing input hashed (or,
// for EdDSA, taken whole) and verified; base64 and DER decoded beforehand.
func floor(b *testing.B, token string, key crypto.PublicKey, alg string) func() bool {
	dot := strings.LastIndexByte(token, '.')
	input, sig := []byte(token[:dot]), b64(b, token[dot+1:])
	switch alg {
	case "RS256":
		pub := key.(*rsa.PublicKey)
		return func() bool {
			digest := sha256.Sum256(input)
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
		}
	case "ES256":
		pub := key.(*ecdsa.PublicKey)
		der, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
		return func() bool {
			digest := sha256.Sum256(input)
			return ecdsa.VerifyASN1(pub, digest[:], der)
		}
	default:
		pub := key.(ed25519.PublicKey)
		return func() bool { return ed25519.Verify(pub, input, sig) }
	}
}

func newVerifier(b *testing.B) *m2mauth.Verifier {
	v, err := m2mauth.NewVerifier(m2mauth.VerifierConfig{Issuer: issuer, Audience: []string{audience}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { v.Close() })
	return v
}

// contenders: for one alg, a check of the token each peer makes; each
// returns whether the token passed. m2mauth's JWKS cache is warm.
func contenders(b *testing.B, alg string) []struct {
	name  string
	check func() bool
} {
	token := mint(b, alg)
	key := keys(b)[kidOf(b, token)]
	v := newVerifier(b)
	ctx := context.Background()
	parser := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithIssuer(issuer),
		jwt.WithAudience(audience), jwt.WithExpirationRequired())
	keyfunc := func(*jwt.Token) (any, error) { return key, nil }
	list := []struct {
		name  string
		check func() bool
	}{
		{"floor", floor(b, token, key, alg)},
		{"m2mauth", func() bool { _, err := v.Verify(ctx, token); return err == nil }},
		{"golang-jwt", func() bool { t, err := parser.Parse(token, keyfunc); return err == nil && t.Valid }},
	}
	for _, c := range list {
		if !c.check() {
			b.Fatalf("%s %s: the token was refused", alg, c.name)
		}
	}
	return list
}

// BenchmarkVerify: one token check after another, per algorithm.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg, func(b *testing.B) {
			for _, c := range contenders(b, alg) {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if !c.check() {
							b.Fatal("refused")
						}
					}
				})
			}
		})
	}
}

// BenchmarkVerifyParallel: the same from every core.
func BenchmarkVerifyParallel(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg, func(b *testing.B) {
			for _, c := range contenders(b, alg) {
				b.Run(c.name, func(b *testing.B) {
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							c.check()
						}
					})
				})
			}
		})
	}
}

// BenchmarkVerifyColdStampede: 1,000 goroutines verify a token at once on a
// cold verifier, the JWKS answering in 50 ms; the metric is the number of
// JWKS requests the IdP received.
func BenchmarkVerifyColdStampede(b *testing.B) {
	token := mint(b, "RS256")
	admin(b, "jwks", `{"delay_ms": 50}`)
	b.Cleanup(func() { admin(b, "jwks", `{}`) })
	requests, failures := 0, 0
	for i := 0; i < b.N; i++ {
		v := newVerifier(b)
		before := jwksRequests()
		var wg sync.WaitGroup
		var mu sync.Mutex
		for g := 0; g < 1000; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := v.Verify(context.Background(), token); err != nil {
					mu.Lock()
					failures++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		requests += jwksRequests() - before
	}
	if failures > 0 {
		b.Errorf("%d verifications failed", failures)
	}
	b.ReportMetric(float64(requests)/float64(b.N), "jwks-requests/1000-callers")
}
