using System;

namespace M2MAuth
{
    /// <summary>Base of every m2mauth error. Messages never contain a secret.</summary>
    public class M2MAuthException : Exception
    {
        internal M2MAuthException(ErrorDetails details) : base(details.Message)
        {
            Code = details.Code;
            CodeName = details.Name;
            Family = details.Family;
            OAuthError = details.OAuthError;
            Description = details.Description;
            Field = details.Field;
            Detail = details.Detail;
            HttpStatus = details.HttpStatus;
            RetryAfter = details.RetryAfter;
        }

        /// <summary>The code.</summary>
        public ErrorCode Code { get; private set; }

        /// <summary>The code's name: "invalid_client", "timeout", …</summary>
        public string CodeName { get; private set; }

        /// <summary>The code's family: "config", "refused", "transient", "malformed",
        /// "invalid_token" or "internal" (the base class of the exception says the same).</summary>
        public string Family { get; private set; }

        /// <summary>The IdP's "error", when it sent one.</summary>
        public string OAuthError { get; private set; }

        /// <summary>The IdP's "error_description" (cut, cleaned), when it sent one.</summary>
        public string Description { get; private set; }

        /// <summary>The configuration option at fault (configuration errors).</summary>
        public string Field { get; private set; }

        /// <summary>The message without its code's prefix: for <see cref="InsufficientScopeException"/>
        /// the missing scopes, separated by spaces; otherwise the problem itself, or null.</summary>
        public string Detail { get; private set; }

        /// <summary>The IdP's HTTP status, 0 when there was none.</summary>
        public int HttpStatus { get; private set; }

        /// <summary>How long the IdP asked to wait (Retry-After), when it did.</summary>
        public TimeSpan? RetryAfter { get; private set; }
    }

    /// <summary>An error as the C library reports it.</summary>
    internal sealed partial class ErrorDetails
    {
        internal ErrorCode Code;
        internal string Name;
        internal string Family;
        internal string Message;
        internal string OAuthError;
        internal string Description;
        internal string Field;
        internal string Detail;
        internal int HttpStatus;
        internal TimeSpan? RetryAfter;

        /// <summary>Reads and frees a native error.</summary>
        internal static ErrorDetails Take(uint code, IntPtr error)
        {
            try
            {
                if (error == IntPtr.Zero)
                {
                    return new ErrorDetails { Code = (ErrorCode)code, Name = "internal", Family = "internal", Message = "m2mauth failed without details" };
                }
                var retryMs = Native.m2m_error_retry_after_ms(error);
                return new ErrorDetails
                {
                    Code = (ErrorCode)code,
                    Name = Native.Text(Native.m2m_error_name(error)),
                    Family = Native.Text(Native.m2m_error_family(error)),
                    Message = Native.Text(Native.m2m_error_message(error)),
                    OAuthError = Native.Text(Native.m2m_error_oauth_error(error)),
                    Description = Native.Text(Native.m2m_error_description(error)),
                    Field = Native.Text(Native.m2m_error_field(error)),
                    Detail = Native.Text(Native.m2m_error_detail(error)),
                    HttpStatus = Native.m2m_error_http_status(error),
                    RetryAfter = retryMs >= 0 ? Milliseconds(retryMs) : (TimeSpan?)null,
                };
            }
            finally
            {
                Native.m2m_error_free(error);
            }
        }

        /// <summary>A duration from milliseconds, saturating at TimeSpan.MaxValue (an IdP may ask
        /// for a Retry-After of centuries; TimeSpan.FromMilliseconds would throw).</summary>
        internal static TimeSpan Milliseconds(long ms)
        {
            return ms >= (long)TimeSpan.MaxValue.TotalMilliseconds ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(ms);
        }
    }
}
