package m2mauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	m2mauth "github.com/m2mauth/m2mauth/bindings-ffi/go"
)

type verifyVector struct {
	name      string
	Options   json.RawMessage `json:"options"`
	Token     string          `json:"token"`
	ClockFree bool            `json:"clock_free"`
	Expect    struct {
		Claims map[string]any `json:"claims"`
		Error  string         `json:"error"`
	} `json:"expect"`
}

func loadVerifyVectors(t *testing.T) []verifyVector {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "tests", "vectors", "verify", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var vectors []verifyVector
	for _, path := range paths {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var v verifyVector
		if err := json.Unmarshal(text, &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		v.name = strings.TrimSuffix(filepath.Base(path), ".json")
		vectors = append(vectors, v)
	}
	return vectors
}

// The shared verification vectors (tests/vectors/verify) through NewVerifierFromJSON:
// the vector's claims or its exact error code. Vectors that need a fixed clock (leeway
// edges) are replayed by the Rust suite only, excluded by name here.
func TestVerifyVectors(t *testing.T) {
	vectors := loadVerifyVectors(t)
	replayed := 0
	for _, v := range vectors {
		if !v.ClockFree {
			continue
		}
		replayed++
		t.Run(v.name, func(t *testing.T) {
			verifier, err := m2mauth.NewVerifierFromJSON(v.Options)
			if err != nil {
				t.Fatal(err)
			}
			defer verifier.Close()
			claims, err := verifier.Verify(context.Background(), v.Token)
			if v.Expect.Error != "" {
				var m2mErr *m2mauth.Error
				if !errors.As(err, &m2mErr) {
					t.Fatalf("want %s, got %v", v.Expect.Error, err)
				}
				if m2mErr.Name != v.Expect.Error || strings.Contains(m2mErr.Message, v.Token) {
					t.Fatalf("want %s, got %s: %s", v.Expect.Error, m2mErr.Name, m2mErr.Message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range v.Expect.Claims {
				if got := claims.Raw[name]; !reflect.DeepEqual(got, want) {
					t.Errorf("claim %s: got %v, want %v", name, got, want)
				}
			}
		})
	}
	if len(vectors) < 35 || replayed < 30 {
		t.Fatalf("%d vectors, %d replayed", len(vectors), replayed)
	}
}
