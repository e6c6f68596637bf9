using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// Snapshot assertions in Verify's manner: the expected text lives in <c>Snapshots/{name}.verified.cs</c> next to
/// the test; a mismatch writes <c>{name}.received.cs</c> (git-ignored) beside it and fails. Set
/// <c>ATTENTIONGEN_ACCEPT_SNAPSHOTS=1</c> to accept received text as the new verified text.
/// </summary>
public static class Snapshot
{
    public static void Verify(string name, string actual, [CallerFilePath] string testFile = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        string verified = Path.Combine(folder, name + ".verified.cs");
        string received = Path.Combine(folder, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        string? expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }

        if (Environment.GetEnvironmentVariable("ATTENTIONGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        Assert.Fail(expected is null
            ? $"No snapshot {verified}; wrote {received}. Review it and rerun with ATTENTIONGEN_ACCEPT_SNAPSHOTS=1 to accept."
            : $"Generated source differs from {verified}; wrote {received}. Diff them, then accept with ATTENTIONGEN_ACCEPT_SNAPSHOTS=1.");
    }
}
