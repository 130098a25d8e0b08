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
// with a valid "Authorization: Bearer" token carrying every one of scopes
// (or "Authorization: DPoP" with its proof, for DPoP-bound tokens);
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
			authorization := r.Header.Get("Authorization")
			if !hasCredentials(authorization) {
				refuse(w, http.StatusUnauthorized, `Bearer realm="api"`, map[string]string{"error": "invalid_request"})
				return
			}
			claims, err := v.VerifyRequest(r, required...)
			if err != nil {
				refuseFor(w, err, authorization)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
		})
	}
}

// hasCredentials reports whether an Authorization header carries a Bearer or DPoP token.
func hasCredentials(header string) bool {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	return found && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "dpop")) &&
		token != "" && !strings.ContainsAny(token, " \t")
}

func quoted(text string) string { return strings.NewReplacer(`\`, "'", `"`, "'").Replace(text) }

// refuseFor answers a request (with this Authorization header) whose token did not verify.
func refuseFor(w http.ResponseWriter, err error, authorization string) {
	var e *Error
	dpopScheme := strings.HasPrefix(strings.ToLower(strings.TrimSpace(authorization)), "dpop ")
	switch {
	case errors.As(err, &e) && (e.Code == CodeDPoPProof || (dpopScheme && e.Family == "invalid_token")):
		// RFC 9449 §7.1: the DPoP scheme's own challenge.
		code := "invalid_token"
		if e.Code == CodeDPoPProof {
			code = "invalid_dpop_proof"
		}
		refuse(w, http.StatusUnauthorized, `DPoP error="`+code+`", error_description="`+quoted(e.Message)+`", algs="ES256 EdDSA RS256 PS256 ES384"`,
			map[string]string{"error": code, "error_description": e.Message})
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
