using System.Diagnostics;

namespace Partages.NodeAgent.Isolation;

/// <summary>
/// How an inference worker is started: <c>dotnet Partages.NodeAgent.Worker.dll</c>, with the same <c>dotnet</c> host
/// as the agent (framework-dependent installs: the build output, the container image), or the self-contained
/// single-file executable <c>Partages.NodeAgent.Worker</c> beside a self-contained agent (the release and the Debian
/// package, tools/release/build-release.sh); on Linux through <c>/bin/sh</c> so resource limits are set on the worker alone before it
/// execs (the shell is replaced, so the process the agent holds is the worker itself):
/// <list type="bullet">
/// <item><c>ulimit -d</c>: RLIMIT_DATA, the private writable memory the process may map (heap, anonymous mmap, thread
/// stacks; since Linux 4.7). An allocation past it fails — managed (OutOfMemoryException) or in ONNX Runtime
/// ("Failed to allocate memory") — and the worker reports it. Unlike RLIMIT_AS (<c>ulimit -v</c>) it does not count
/// the address space .NET only reserves (the GC reserves a range of the size of the limit up front; with
/// <c>ulimit -v</c> the runtime fails to start below about 400 MB unless its reservations are tuned down).</item>
/// <item><c>ulimit -c 0</c>: a crashing worker writes no core file, which would hold reports in clear on disk.</item>
/// <item><c>DOTNET_GCHeapHardLimit</c> (half the limit): the GC collects, then throws OutOfMemoryException,
/// before the managed heap alone could reach the limit; ONNX Runtime's tensors get the rest.</item>
/// </list>
/// Elsewhere (Windows, macOS) only the time limit is enforced.
/// </summary>
internal sealed class WorkerCommand
{
    public const string WorkerAssemblyName = "Partages.NodeAgent.Worker.dll";

    /// <summary>The worker as a self-contained executable: what a release ships beside the single-file agent.</summary>
    public static readonly string WorkerExecutableName = OperatingSystem.IsWindows() ? "Partages.NodeAgent.Worker.exe" : "Partages.NodeAgent.Worker";

    /// <summary>Exit code of the shell when it could not set the limits (so the worker never ran unlimited).</summary>
    public const int LimitsNotApplied = 126;

    // "$1" the data limit in KiB; then "$@" is the command. ulimit sets soft and hard limits: the worker cannot raise them.
    private const string LimitScript = """ulimit -c 0 && ulimit -d "$1" || exit 126; shift; exec "$@" """;

    private WorkerCommand(string? dotnetHost, string workerPath, bool enforcesMemoryLimit)
    {
        DotnetHost = dotnetHost;
        WorkerPath = workerPath;
        EnforcesMemoryLimit = enforcesMemoryLimit;
    }

    /// <summary>The <c>dotnet</c> host that runs the worker's assembly; null when the worker is its own executable.</summary>
    public string? DotnetHost { get; }

    public string WorkerPath { get; }

    /// <summary>Whether the memory limit is enforced here (Linux with /bin/sh); the time limit always is.</summary>
    public bool EnforcesMemoryLimit { get; }

    /// <exception cref="InvalidOperationException">The worker is not where it should be (a broken install).</exception>
    public static WorkerCommand Locate(string? workerPath = null)
    {
        var path = Path.GetFullPath(workerPath ?? DefaultWorkerPath());
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The inference worker is missing: no {WorkerExecutableName} or {WorkerAssemblyName} at {path}. It is built and published " +
                "with the agent (Partages.NodeAgent.csproj copies the assembly beside Partages.NodeAgent.dll; a single-file release " +
                "ships the executable beside the agent: tools/release/build-release.sh); reinstall the agent.");
        }

        // An assembly needs a dotnet host; anything else is a native executable (a self-contained single-file worker).
        var isAssembly = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        return new WorkerCommand(isAssembly ? LocateDotnetHost() : null, path, OperatingSystem.IsLinux() && File.Exists("/bin/sh"));
    }

    /// <summary>
    /// Beside the agent: the self-contained executable when there is one (a single-file agent has no dotnet host to run
    /// an assembly with), else the assembly. <see cref="AppContext.BaseDirectory"/> is the agent's real folder even when
    /// the agent was started through a symbolic link (/usr/bin/Partages.NodeAgent): the host resolves /proc/self/exe.
    /// </summary>
    private static string DefaultWorkerPath()
    {
        var executable = Path.Combine(AppContext.BaseDirectory, WorkerExecutableName);
        return File.Exists(executable) ? executable : Path.Combine(AppContext.BaseDirectory, WorkerAssemblyName);
    }

    public ProcessStartInfo CreateStartInfo(WorkerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var startInfo = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
            StandardInputEncoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            WorkingDirectory = Path.GetDirectoryName(WorkerPath)!,
        };
        if (EnforcesMemoryLimit)
        {
            startInfo.FileName = "/bin/sh";
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add(LimitScript);
            startInfo.ArgumentList.Add("partages-worker");
            startInfo.ArgumentList.Add((limits.MemoryLimitMb * 1024L).ToString(CultureInfo.InvariantCulture));
            if (DotnetHost is not null)
            {
                startInfo.ArgumentList.Add(DotnetHost);
            }

            startInfo.ArgumentList.Add(WorkerPath);
        }
        else if (DotnetHost is not null)
        {
            startInfo.FileName = DotnetHost;
            startInfo.ArgumentList.Add(WorkerPath);
        }
        else
        {
            startInfo.FileName = WorkerPath;
        }

        var managedHeapBytes = limits.MemoryLimitMb * 1024L * 1024L / 2;
        startInfo.Environment["DOTNET_GCHeapHardLimit"] = "0x" + managedHeapBytes.ToString("X", CultureInfo.InvariantCulture);
        // One GC heap, not one per core: server GC (if the agent's environment asks for it) multiplies the fixed cost.
        startInfo.Environment["DOTNET_gcServer"] = "0";
        return startInfo;
    }

    /// <summary>
    /// The <c>dotnet</c> host running this agent, so the worker runs on the same runtime: the current process when it is
    /// <c>dotnet</c>; else the one the SDK names (<c>DOTNET_HOST_PATH</c>, under <c>dotnet test</c>); else the one
    /// that owns this runtime (<c>&lt;root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;/</c> → <c>&lt;root&gt;/dotnet</c>);
    /// else <c>dotnet</c> on the PATH.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000:Avoid accessing Assembly file path when publishing as a single file",
        Justification = "Only a framework-dependent agent (whose worker is an assembly) looks for a dotnet host; a single-file agent starts the worker executable and never gets here.")]
    internal static string LocateDotnetHost()
    {
        var executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && string.Equals(Path.GetFileName(self), executable, StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } sdkHost && File.Exists(sdkHost))
        {
            return sdkHost;
        }

        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var root = runtimeDirectory is null ? null : Directory.GetParent(runtimeDirectory)?.Parent?.Parent;
        if (root is not null && File.Exists(Path.Combine(root.FullName, executable)))
        {
            return Path.Combine(root.FullName, executable);
        }

        return executable;
    }
}
