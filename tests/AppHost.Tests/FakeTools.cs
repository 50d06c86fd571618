namespace Aspire70B.AppHost.Tests;

/// <summary>
/// A folder of stand-in executables (shell scripts) for tools this machine does not have — <c>modal</c>, <c>vllm</c>,
/// <c>nvidia-smi</c> — put first on the PATH of the processes under test. Deleted with everything it holds.
/// </summary>
[global::System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class FakeTools : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("aspire70b-fakes-");

    public string Folder => _folder.FullName;

    /// <summary>PATH with the fakes first.</summary>
    public string SearchPath => Folder + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");

    public string PathOf(string name) => Path.Combine(Folder, name);

    public void Add(string name, string script)
    {
        var path = PathOf(name);
        File.WriteAllText(path, "#!/bin/sh\n" + script.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
