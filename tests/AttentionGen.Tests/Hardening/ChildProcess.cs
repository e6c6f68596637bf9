using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace AttentionGen.Tests.Hardening;

/// <summary>
/// Reruns one test of this assembly in a fresh process: the xunit v3 in-process runner executable itself (or
/// <c>dotnet exec</c> on the assembly) with <c>-method</c>, inheriting the environment, so the code-path switches
/// (<c>DOTNET_EnableAVX512=0</c>, …) apply to the child too. A test that may crash the process runs there, and the
/// parent turns a crash into a failure with the child's output.
/// </summary>
public static class ChildProcess
{
    /// <summary>Whether a child can be started here. Under QEMU user-mode emulation (arm64 CI) the process path may be
    /// the emulator's and a spawned arm64 executable may not run at all, so callers run the work in-process instead (a
    /// crash then still fails the run).</summary>
    public static bool CanSpawn(out string reason)
    {
        reason = string.Empty;
        if (!OperatingSystem.IsLinux())
            reason = "not Linux";
        else if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            reason = $"{RuntimeInformation.ProcessArchitecture} (emulated in CI)";
        else if (Command() is null)
            reason = $"process path '{Environment.ProcessPath}' is neither the test executable nor dotnet";
        return reason.Length == 0;
    }

    public sealed record Result(int ExitCode, string Output, bool TimedOut);

    /// <summary>Runs the explicit test <paramref name="type"/>.<paramref name="method"/> in a child process.</summary>
    public static Result RunTest(Type type, string method, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        (string file, string[] prefix) = Command() ?? throw new InvalidOperationException("cannot spawn");
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (string argument in prefix)
            start.ArgumentList.Add(argument);
        foreach (string argument in new[] { "-method", type.FullName + "." + method, "-explicit", "only", "-noLogo", "-noColor" })
            start.ArgumentList.Add(argument);
        // Whatever connects this process to a `dotnet test` host must not reach the child.
        foreach (string name in new List<string>(KeysOf(start.Environment)))
        {
            if (name.StartsWith("TESTINGPLATFORM_", StringComparison.Ordinal) || name.StartsWith("DOTNET_TEST_", StringComparison.Ordinal))
                start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool exited = process.WaitForExit(timeout);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.WaitForExit(); // drains the redirected streams
        lock (output)
            return new Result(exited ? process.ExitCode : -1, output.ToString(), !exited);
    }

    private static IEnumerable<string> KeysOf(IDictionary<string, string?> environment) => environment.Keys;

    private static (string File, string[] Prefix)? Command()
    {
        string? path = Environment.ProcessPath;
        string assembly = typeof(ChildProcess).Assembly.Location;
        if (path is null || assembly.Length == 0)
            return null;
        // The apphost is named like the assembly without ".dll" (AttentionGen.Tests: no extension to strip).
        string name = Path.GetFileName(path);
        if (name == Path.GetFileNameWithoutExtension(assembly) || name == Path.GetFileNameWithoutExtension(assembly) + ".exe")
            return (path, Array.Empty<string>());
        if (name is "dotnet" or "dotnet.exe")
            return (path, new[] { "exec", assembly });
        return null;
    }
}
