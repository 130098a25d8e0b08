// Package m2mauth gives Go services OAuth 2.0 client credentials tokens
// that are fetched once, cached, refreshed before they expire and shared by
// all goroutines, through the m2mauth C library (cgo).
//
// A *TokenSource is an oauth2.TokenSource. Use NewClient (or Transport) for
// an *http.Client that adds the bearer token and, when an API answers 401,
// drops that token and retries the request once:
//
//	ts, err := m2mauth.NewTokenSource(m2mauth.Config{
//		TokenURL:     "https://auth.example.com/oauth2/token",
//		ClientID:     "billing-service",
//		ClientSecret: os.Getenv("CLIENT_SECRET"),
//		Audience:     "https://api.example.com",
//	})
//	if err != nil { ... }
//	defer ts.Close()
//	client := m2mauth.NewClient(ctx, ts)
//	resp, err := client.Get("https://api.example.com/invoices")
//
// oauth2.NewClient(ctx, ts) works too, but it caches tokens itself and
// does nothing about a 401.
//
// Building: the package links the static library libm2mauth.a from the
// lib/ directory next to this file (copy target/release/libm2mauth.a there
// after `cargo build --release -p m2mauth-ffi`).
package m2mauth
