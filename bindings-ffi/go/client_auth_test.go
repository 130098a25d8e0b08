package m2mauth_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	m2mauth "github.com/m2mauth/m2mauth/bindings-ffi/go"
)

const keys = "../../tests/vectors/keys"

func keyFile(name string) string { return filepath.Join(keys, name) }

func registerKey(t *testing.T, name string) {
	t.Helper()
	jwk, err := os.ReadFile(keyFile(name))
	if err != nil {
		t.Fatal(err)
	}
	if got := admin(t, "client_key", `{"jwk":`+string(jwk)+`}`); got != "ok" {
		t.Fatalf("client_key: %s", got)
	}
}

func TestPrivateKeyJWTWithEveryKeyForm(t *testing.T) {
	admin(t, "reset", "")
	registerKey(t, "ed25519.jwk.json")
	registerKey(t, "rsa-2048.jwk.json")
	for _, cfg := range []m2mauth.Config{
		{PrivateKeyFile: keyFile("ed25519.pem")},
		{PrivateKeyFile: keyFile("rsa-2048-pkcs1.pem"), SigningAlg: "PS256"},
	} {
		cfg.TokenURL, cfg.ClientID, cfg.AuthMethod = issuer+"/oauth2/token", "test-client", "private_key_jwt"
		if _, err := newSource(t, cfg).Token(); err != nil {
			t.Errorf("%s: %v", cfg.PrivateKeyFile, err)
		}
	}
	_, err := m2mauth.NewTokenSource(m2mauth.Config{TokenURL: issuer + "/oauth2/token", ClientID: "test-client",
		AuthMethod: "private_key_jwt", PrivateKeyFile: keyFile("rsa-1024.pem")})
	var e *m2mauth.Error
	if !errors.As(err, &e) || e.Code != m2mauth.CodeConfig || e.Field != "private_key_file" || !strings.Contains(e.Message, "2048") {
		t.Errorf("a small RSA key: %v", err)
	}
}

func TestTransportSendsDPoPProofsAndAnswersNonceChallenges(t *testing.T) {
	admin(t, "reset", "")
	admin(t, "dpop", `{"require_nonce": true}`)
	defer admin(t, "dpop", `{"require_nonce": false}`)
	cfg := config()
	cfg.DPoP = true
	ts := newSource(t, cfg)
	client := &http.Client{Transport: &m2mauth.Transport{Source: ts}}
	get := func() int {
		resp, err := client.Get(issuer + "/api/whoami")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	if status := get(); status != 200 {
		t.Fatalf("with a DPoP proof: %d", status)
	}
	admin(t, "dpop", `{"rotate_nonce": true}`)
	if status := get(); status != 200 {
		t.Fatalf("after a nonce challenge: %d", status)
	}
	if token, _ := ts.Token(); token.Type() != "DPoP" {
		t.Errorf("token type %q", token.Type())
	}
	if n := tokenRequests(t); n != 2 {
		t.Errorf("%d token requests: want the nonce round trip only", n)
	}
	plain := newSource(t, config())
	if proof, err := plain.DPoPProof("GET", issuer, ""); proof != "" || err != nil {
		t.Errorf("no DPoP, no proof: %q %v", proof, err)
	}
}

// startIssuer runs another `m2mauth issuer` with args and returns its JSON line.
func startIssuer(t *testing.T, args ...string) map[string]any {
	t.Helper()
	bin := os.Getenv("M2MAUTH_BIN")
	if bin == "" {
		bin = "../../target/debug/m2mauth"
	}
	cmd := exec.Command(bin, append([]string{"issuer", "--json"}, args...)...)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	var info map[string]any
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("the issuer said %q", line)
	}
	return info
}

func TestMTLSWithCertificatesFromTheHTTPSIssuer(t *testing.T) {
	info := startIssuer(t, "--tls")
	base, caFile := info["issuer"].(string), info["ca_file"].(string)
	ca, _ := os.ReadFile(caFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	https := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	dir := t.TempDir()
	for _, method := range []string{"tls_client_auth", "self_signed_tls_client_auth"} {
		body := `{"self_signed": ` + map[bool]string{true: "true", false: "false"}[method != "tls_client_auth"] + `}`
		resp, err := https.Post(base+"/_testkit/client_certificate", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var pems struct{ Cert, Key string }
		json.NewDecoder(resp.Body).Decode(&pems)
		resp.Body.Close()
		cert, key := filepath.Join(dir, method+".pem"), filepath.Join(dir, method+"-key.pem")
		os.WriteFile(cert, []byte(pems.Cert), 0o600)
		os.WriteFile(key, []byte(pems.Key), 0o600)
		ts := newSource(t, m2mauth.Config{TokenURL: base + "/oauth2/token", ClientID: "test-client", AuthMethod: method,
			ClientCertFile: cert, ClientKeyFile: key, CAFile: caFile})
		if _, err := ts.Token(); err != nil {
			t.Errorf("%s: %v", method, err)
		}
	}
}

// oidcProvider starts tests/interop/oidc-provider/server.mjs (tls: over HTTPS).
func oidcProvider(t *testing.T, tlsOn bool) (issuer, caFile string) {
	t.Helper()
	dir := "../../tests/interop/oidc-provider"
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider")); err != nil {
		t.Fatal("oidc-provider is not installed: run `npm ci --prefix tests/interop/oidc-provider`")
	}
	cmd := exec.Command("node", filepath.Join(dir, "server.mjs"))
	cmd.Env = append(os.Environ(), "PORT=0", map[bool]string{true: "TLS=1", false: "TLS=0"}[tlsOn])
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	var info struct {
		Issuer string
		CAFile string `json:"ca_file"`
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("oidc-provider said %q", line)
	}
	return info.Issuer, info.CAFile
}

func TestInteropKeysDPoPAndMTLS(t *testing.T) {
	idp, _ := oidcProvider(t, false)
	rsa := newSource(t, m2mauth.Config{Issuer: idp, ClientID: "rsa-key-client", AuthMethod: "private_key_jwt",
		PrivateKeyFile: keyFile("rsa-2048.pem"), Resource: []string{"https://api.example.test"}})
	if token, err := rsa.Token(); err != nil || !strings.HasPrefix(token.AccessToken, "eyJ") {
		t.Errorf("private_key_jwt: %v", err)
	}
	dpop := newSource(t, m2mauth.Config{Issuer: idp, ClientID: "dpop-client", ClientSecret: "dpop-secret", DPoP: true})
	if token, err := dpop.Token(); err != nil || token.Type() != "DPoP" {
		t.Errorf("DPoP with a required nonce: %v", err)
	}
	secure, caFile := oidcProvider(t, true)
	tlsDir := "../../tests/interop/oidc-provider/tls"
	mtls := newSource(t, m2mauth.Config{Issuer: secure, ClientID: "mtls-client", AuthMethod: "tls_client_auth",
		ClientCertFile: filepath.Join(tlsDir, "mtls-client.pem"), ClientKeyFile: filepath.Join(tlsDir, "mtls-client-key.pem"),
		CAFile: caFile, Resource: []string{"https://api.example.test"}})
	if _, err := mtls.Token(); err != nil {
		t.Errorf("mTLS: %v", err)
	}
}
