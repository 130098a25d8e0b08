package m2mauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

type claimsKey struct{}

// ClaimsFromContext returns the claims Middleware put in a request's context.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok
}

// Middleware returns net/http middleware that lets a request through only
// with a valid "Authorization: Bearer" token carrying every one of scopes;
// the handler reads the claims with ClaimsFromContext. Refusals follow RFC
// 6750 §3: 401 with a WWW-Authenticate challenge for a missing or invalid
// token, 403 insufficient_scope naming the missing scopes, 503 when the
// issuer's keys cannot be had. The token is never echoed.
//
//	mux.Handle("/orders", v.Middleware("orders:read")(ordersHandler))
func (v *Verifier) Middleware(scopes ...string) func(http.Handler) http.Handler {
	required := append([]string(nil), scopes...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := bearerToken(r.Header.Get("Authorization"))
			if !ok {
				refuse(w, http.StatusUnauthorized, `Bearer realm="api"`, map[string]string{"error": "invalid_request"})
				return
			}
			claims, err := v.Verify(r.Context(), token, required...)
			if err != nil {
				refuseFor(w, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
		})
	}
}

// bearerToken reads an Authorization header's bearer token.
func bearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

func quoted(text string) string { return strings.NewReplacer(`\`, "'", `"`, "'").Replace(text) }

// refuseFor answers a request whose token did not verify.
func refuseFor(w http.ResponseWriter, err error) {
	var e *Error
	switch {
	case errors.As(err, &e) && e.Code == CodeInsufficientScope:
		refuse(w, http.StatusForbidden, `Bearer realm="api", error="insufficient_scope", scope="`+quoted(e.Detail)+`"`,
			map[string]string{"error": "insufficient_scope", "scope": e.Detail})
	case errors.As(err, &e) && e.Code == CodeJWKSUnavailable:
		w.Header().Set("Retry-After", "5")
		refuse(w, http.StatusServiceUnavailable, "", map[string]string{"error": "temporarily_unavailable"})
	case errors.As(err, &e) && e.Family == "invalid_token":
		refuse(w, http.StatusUnauthorized, `Bearer realm="api", error="invalid_token", error_description="`+quoted(e.Message)+`"`,
			map[string]string{"error": "invalid_token", "error_description": e.Message})
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		refuse(w, http.StatusServiceUnavailable, "", map[string]string{"error": "temporarily_unavailable"})
	default:
		refuse(w, http.StatusInternalServerError, "", map[string]string{"error": "server_error"})
	}
}

func refuse(w http.ResponseWriter, status int, challenge string, body map[string]string) {
	if challenge != "" {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
