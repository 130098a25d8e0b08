using System;
using System.Runtime.InteropServices;

namespace M2MAuth
{
    /// <summary>The C ABI of libm2mauth (see bindings-ffi/include/m2mauth.h).</summary>
    internal static class Native
    {
        /// <summary>m2m_stats.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct Stats
        {
            internal ulong CacheHits;
            internal ulong Waits;
            internal ulong Fetches;
            internal ulong Refreshes;
            internal ulong Failures;
            internal ulong L2Hits;
            internal ulong LeaseWaits;
            internal ulong LeaseTakeovers;
            internal ulong L2Errors;
        }

        private const string Library = "m2mauth";

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void TokenCallback(IntPtr userData, uint code, IntPtr token, IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_abi_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void m2m_shutdown();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_new(byte[] configJson, out SourceHandle source, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_from_env(byte[] prefix, out SourceHandle source, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void m2m_source_free(IntPtr source);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_token(SourceHandle source, out IntPtr token, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_cached_token_id(SourceHandle source, out ulong id, IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_token_async(SourceHandle source, TokenCallback callback, IntPtr userData, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_invalidate_value(SourceHandle source, byte[] tokenValue, [MarshalAs(UnmanagedType.I1)] out bool dropped, IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_stats(SourceHandle source, out Stats stats, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_last_error(SourceHandle source, out IntPtr lastError, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_dpop_proof(SourceHandle source, byte[] method, byte[] url, byte[] accessToken, out IntPtr proof, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_dpop_answer(SourceHandle source, byte[] url, ushort status, byte[] wwwAuthenticate, byte[] dpopNonce, [MarshalAs(UnmanagedType.I1)] out bool retry, IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_source_revoke(SourceHandle source, byte[] token, out IntPtr error);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        internal delegate void VerifyCallback(IntPtr userData, uint code, IntPtr claimsJson, IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_verifier_new(byte[] configJson, out VerifierHandle verifier, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_verifier_from_env(byte[] prefix, out VerifierHandle verifier, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void m2m_verifier_free(IntPtr verifier);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_verifier_verify(VerifierHandle verifier, byte[] token, byte[] scopes, out IntPtr claimsJson, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_verifier_verify_async(VerifierHandle verifier, byte[] token, byte[] scopes, VerifyCallback callback, IntPtr userData, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_verifier_verify_request(VerifierHandle verifier, byte[] authorization, byte[] dpop, byte[] method, byte[] url, byte[] scopes, out IntPtr claimsJson, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_verifier_introspect(VerifierHandle verifier, byte[] token, out IntPtr answerJson, out IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_token_value(IntPtr token);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_token_type(IntPtr token);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern long m2m_token_expires_at_ms(IntPtr token);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern ulong m2m_token_fetch_id(IntPtr token);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern UIntPtr m2m_token_scope_count(IntPtr token);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_token_scope(IntPtr token, UIntPtr index);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void m2m_token_free(IntPtr token);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint m2m_error_code(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_error_name(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_error_family(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_error_message(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_error_oauth_error(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_error_description(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_error_field(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr m2m_error_detail(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int m2m_error_http_status(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern long m2m_error_retry_after_ms(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void m2m_error_free(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void m2m_string_free(IntPtr text);

        /// <summary>UTF-8, NUL-terminated, for the library's text arguments.</summary>
        internal static byte[] Utf8(string text)
        {
            if (text == null)
            {
                return null;
            }
            var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(text) + 1];
            System.Text.Encoding.UTF8.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        /// <summary>A string the library gave away, as a .NET string; frees it.</summary>
        internal static string TakeText(IntPtr utf8)
        {
            try
            {
                return Text(utf8);
            }
            finally
            {
                m2m_string_free(utf8);
            }
        }

        /// <summary>A library-owned UTF-8 string as a .NET string (null for NULL).</summary>
        internal static string Text(IntPtr utf8)
        {
            if (utf8 == IntPtr.Zero)
            {
                return null;
            }
            var length = 0;
            while (Marshal.ReadByte(utf8, length) != 0)
            {
                length++;
            }
            var bytes = new byte[length];
            Marshal.Copy(utf8, bytes, 0, length);
            return System.Text.Encoding.UTF8.GetString(bytes);
        }
    }

    /// <summary>Owns an m2m_source; frees it exactly once, even across threads.</summary>
    internal sealed class SourceHandle : SafeHandle
    {
        public SourceHandle() : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.m2m_source_free(handle);
            return true;
        }
    }
}
