using System;

namespace M2MAuth
{
    /// <summary>What went wrong. The numbers are the C ABI's; the names (<see cref="M2MAuthException.CodeName"/>)
    /// are the same in every m2mauth language.</summary>
    public enum ErrorCode
    {
        /// <summary>The configuration was rejected.</summary>
        Config = 1,
        /// <summary>The IdP refused the client's credentials.</summary>
        InvalidClient = 2,
        /// <summary>A requested scope is unknown or not allowed.</summary>
        InvalidScope = 3,
        /// <summary>The client may not use this grant.</summary>
        UnauthorizedClient = 4,
        /// <summary>The grant was refused.</summary>
        InvalidGrant = 5,
        /// <summary>The IdP denied access.</summary>
        AccessDenied = 6,
        /// <summary>The IdP found the request malformed.</summary>
        InvalidRequest = 7,
        /// <summary>The IdP does not support client credentials.</summary>
        UnsupportedGrantType = 8,
        /// <summary>Another OAuth error.</summary>
        OAuthError = 9,
        /// <summary>The IdP is rate limiting (HTTP 429).</summary>
        RateLimited = 10,
        /// <summary>The IdP failed (HTTP 5xx).</summary>
        ServerError = 11,
        /// <summary>An unexpected HTTP status.</summary>
        HttpStatus = 12,
        /// <summary>The IdP answered a redirect (never followed).</summary>
        Redirect = 13,
        /// <summary>The request did not complete in time.</summary>
        Timeout = 14,
        /// <summary>The IdP could not be reached.</summary>
        Transport = 15,
        /// <summary>The IdP's answer could not be used.</summary>
        MalformedResponse = 16,
        /// <summary>A bug in m2mauth.</summary>
        Internal = 17,
        /// <summary>A required argument was null.</summary>
        NullArgument = 100,
        /// <summary>Text that was not valid UTF-8.</summary>
        InvalidUtf8 = 101,
        /// <summary>The native library panicked (the call had no effect).</summary>
        Panic = 102,
    }

    /// <summary>Base of every m2mauth error. Messages never contain a secret.</summary>
    public class M2MAuthException : Exception
    {
        internal M2MAuthException(ErrorDetails details) : base(details.Message)
        {
            Code = details.Code;
            CodeName = details.Name;
            OAuthError = details.OAuthError;
            Description = details.Description;
            Field = details.Field;
            HttpStatus = details.HttpStatus;
            RetryAfter = details.RetryAfter;
        }

        /// <summary>The code.</summary>
        public ErrorCode Code { get; private set; }

        /// <summary>The code's name: "invalid_client", "timeout", …</summary>
        public string CodeName { get; private set; }

        /// <summary>The IdP's "error", when it sent one.</summary>
        public string OAuthError { get; private set; }

        /// <summary>The IdP's "error_description" (cut, cleaned), when it sent one.</summary>
        public string Description { get; private set; }

        /// <summary>The configuration option at fault (configuration errors).</summary>
        public string Field { get; private set; }

        /// <summary>The IdP's HTTP status, 0 when there was none.</summary>
        public int HttpStatus { get; private set; }

        /// <summary>How long the IdP asked to wait (Retry-After), when it did.</summary>
        public TimeSpan? RetryAfter { get; private set; }
    }

    /// <summary>The configuration was rejected; <see cref="M2MAuthException.Field"/> names the option.</summary>
    public sealed class ConfigurationException : M2MAuthException
    {
        internal ConfigurationException(ErrorDetails details) : base(details) { }
    }

    /// <summary>The IdP understood and refused the request with an OAuth error; retrying will not help.</summary>
    public class OAuthRefusedException : M2MAuthException
    {
        internal OAuthRefusedException(ErrorDetails details) : base(details) { }
    }

    /// <summary>The IdP refused the client's credentials (invalid_client).</summary>
    public sealed class InvalidClientException : OAuthRefusedException
    {
        internal InvalidClientException(ErrorDetails details) : base(details) { }
    }

    /// <summary>A requested scope is unknown or not allowed (invalid_scope).</summary>
    public sealed class InvalidScopeException : OAuthRefusedException
    {
        internal InvalidScopeException(ErrorDetails details) : base(details) { }
    }

    /// <summary>The IdP denied access (access_denied).</summary>
    public sealed class AccessDeniedException : OAuthRefusedException
    {
        internal AccessDeniedException(ErrorDetails details) : base(details) { }
    }

    /// <summary>The IdP is rate limiting (HTTP 429); see <see cref="M2MAuthException.RetryAfter"/>.</summary>
    public sealed class RateLimitedException : M2MAuthException
    {
        internal RateLimitedException(ErrorDetails details) : base(details) { }
    }

    /// <summary>The token request did not complete within the configured timeout.</summary>
    public sealed class TokenTimeoutException : M2MAuthException
    {
        internal TokenTimeoutException(ErrorDetails details) : base(details) { }
    }

    /// <summary>The IdP could not be reached (connection, DNS, TLS), or answered with a redirect.</summary>
    public sealed class TransportException : M2MAuthException
    {
        internal TransportException(ErrorDetails details) : base(details) { }
    }

    /// <summary>The IdP failed (HTTP 5xx) or answered an unexpected status.</summary>
    public sealed class ServerErrorException : M2MAuthException
    {
        internal ServerErrorException(ErrorDetails details) : base(details) { }
    }

    /// <summary>The IdP's answer could not be used (not JSON, no token, bad lifetime, too large).</summary>
    public sealed class MalformedResponseException : M2MAuthException
    {
        internal MalformedResponseException(ErrorDetails details) : base(details) { }
    }

    /// <summary>An error as the C library reports it.</summary>
    internal sealed class ErrorDetails
    {
        internal ErrorCode Code;
        internal string Name;
        internal string Message;
        internal string OAuthError;
        internal string Description;
        internal string Field;
        internal int HttpStatus;
        internal TimeSpan? RetryAfter;

        /// <summary>Reads and frees a native error.</summary>
        internal static ErrorDetails Take(uint code, IntPtr error)
        {
            try
            {
                if (error == IntPtr.Zero)
                {
                    return new ErrorDetails { Code = (ErrorCode)code, Name = "internal", Message = "m2mauth failed without details" };
                }
                var retryMs = Native.m2m_error_retry_after_ms(error);
                return new ErrorDetails
                {
                    Code = (ErrorCode)code,
                    Name = Native.Text(Native.m2m_error_name(error)),
                    Message = Native.Text(Native.m2m_error_message(error)),
                    OAuthError = Native.Text(Native.m2m_error_oauth_error(error)),
                    Description = Native.Text(Native.m2m_error_description(error)),
                    Field = Native.Text(Native.m2m_error_field(error)),
                    HttpStatus = Native.m2m_error_http_status(error),
                    RetryAfter = retryMs >= 0 ? TimeSpan.FromMilliseconds(retryMs) : (TimeSpan?)null,
                };
            }
            finally
            {
                Native.m2m_error_free(error);
            }
        }

        /// <summary>The exception type for this error.</summary>
        internal M2MAuthException ToException()
        {
            switch (Code)
            {
                case ErrorCode.Config:
                    return new ConfigurationException(this);
                case ErrorCode.InvalidClient:
                    return new InvalidClientException(this);
                case ErrorCode.InvalidScope:
                    return new InvalidScopeException(this);
                case ErrorCode.AccessDenied:
                    return new AccessDeniedException(this);
                case ErrorCode.UnauthorizedClient:
                case ErrorCode.InvalidGrant:
                case ErrorCode.InvalidRequest:
                case ErrorCode.UnsupportedGrantType:
                case ErrorCode.OAuthError:
                    return new OAuthRefusedException(this);
                case ErrorCode.RateLimited:
                    return new RateLimitedException(this);
                case ErrorCode.Timeout:
                    return new TokenTimeoutException(this);
                case ErrorCode.Transport:
                case ErrorCode.Redirect:
                    return new TransportException(this);
                case ErrorCode.ServerError:
                case ErrorCode.HttpStatus:
                    return new ServerErrorException(this);
                case ErrorCode.MalformedResponse:
                    return new MalformedResponseException(this);
                default:
                    return new M2MAuthException(this);
            }
        }
    }
}
