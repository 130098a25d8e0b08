module github.com/m2mauth/m2mauth/bench/go

go 1.26.0

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/m2mauth/m2mauth/bindings-ffi/go v0.0.0
	golang.org/x/oauth2 v0.38.0
)

replace github.com/m2mauth/m2mauth/bindings-ffi/go => ../../bindings-ffi/go
