package m2mauth_test

import (
	"bufio"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	m2mauth "github.com/m2mauth/m2mauth/bindings-ffi/go"
)

const fleetKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// startRedis runs redis-server on a free port of 127.0.0.1 until the test ends.
func startRedis(t *testing.T) string {
	t.Helper()
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot start redis-server (apt-get install redis-server; scripts/setup.sh does): %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 500; i++ {
		if conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			conn.Write([]byte("PING\r\n"))
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if strings.HasPrefix(line, "+PONG") {
				return "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("redis-server did not answer")
	return ""
}

func TestFleetSourcesShareOneTokenRequest(t *testing.T) {
	url := startRedis(t)
	admin(t, "reset", "")
	admin(t, "latency", `{"ms": 300}`)
	defer admin(t, "latency", `{"ms": 0}`)
	cfg := config()
	cfg.Scopes = []string{"fleet"}
	cfg.CacheURL, cfg.CacheEncryptionKey = url, fleetKey
	sources := make([]*m2mauth.TokenSource, 4)
	for i := range sources {
		sources[i] = newSource(t, cfg)
	}
	var wg sync.WaitGroup
	tokens := make([]string, 4*25)
	for i := range tokens {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			token, err := sources[i%4].Token()
			if err != nil {
				t.Error(err)
				return
			}
			tokens[i] = token.AccessToken
		}(i)
	}
	wg.Wait()
	for _, tok := range tokens {
		if tok != tokens[0] {
			t.Fatal("different tokens")
		}
	}
	if n := tokenRequests(t); n != 1 {
		t.Errorf("%d token requests for four sources", n)
	}
	var hits uint64
	for _, s := range sources {
		stats, _ := s.Stats()
		hits += stats.L2Hits
	}
	if hits != 3 {
		t.Errorf("%d tokens read from Redis, want 3", hits)
	}
}
