using System.Runtime.CompilerServices;

// The tests check the error mapping (ErrorDetails) against the core's error table.
[assembly: InternalsVisibleTo("M2MAuth.Tests")]
