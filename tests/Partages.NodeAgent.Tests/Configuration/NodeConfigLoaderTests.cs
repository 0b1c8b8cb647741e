namespace Partages.NodeAgent.Tests.Configuration;

public sealed class NodeConfigLoaderTests
{
    private static readonly string ConfigPath = Path.Combine(Path.GetTempPath(), "site", "conf", "node.yaml");

    [Test]
    public void Parse_ValidFile_ResolvesRelativePathsAgainstTheConfigFolder()
    {
        const string yaml = """
            name: chu-valmont
            coordinator:
              url: https://127.0.0.1:7443
            data_directory: ./node-data
            heartbeat_seconds: 5
            datasets:
              - name: amr-reports
                path: ../data/amr.jsonl
                format: jsonl
              - name: absolute
                path: /srv/data/x.jsonl
                format: jsonl
            """;

        var result = NodeConfigLoader.Parse(yaml, ConfigPath);

        result.Errors.Should().BeEmpty();
        var config = result.Config!;
        var folder = Path.GetDirectoryName(ConfigPath)!;
        config.Name.Should().Be("chu-valmont");
        config.CoordinatorUrl.Should().Be(new Uri("https://127.0.0.1:7443"));
        config.DataDirectory.Should().Be(Path.Combine(folder, "node-data"));
        config.IdentityDirectory.Should().Be(Path.Combine(folder, "node-data", "identity"));
        config.HeartbeatSeconds.Should().Be(5);
        config.MaxConcurrentRuns.Should().Be(1);
        config.Reconnect.Should().Be(new ReconnectConfig());
        config.Datasets.Select(d => d.Path).Should().Equal(
            Path.GetFullPath(Path.Combine(folder, "..", "data", "amr.jsonl")),
            "/srv/data/x.jsonl");
    }

    [TestCase(63, true, TestName = "Parse_NameOfTheLongestLengthTheCoordinatorIssues_Accepted")]
    [TestCase(64, false, TestName = "Parse_NameOneCharacterLonger_RefusedWithTheSharedRule")]
    public void Parse_NameLength_FollowsTheRuleTheCoordinatorIssuesTokensBy(int length, bool accepted)
    {
        var yaml = $"name: {new string('n', length)}\ncoordinator:\n  url: https://127.0.0.1:7443\ndata_directory: ./d\ndatasets:\n  - name: a\n    path: ./a.jsonl\n    format: jsonl\n";

        var result = NodeConfigLoader.Parse(yaml, ConfigPath);

        if (accepted)
        {
            result.Errors.Should().BeEmpty();
            Partages.Evaluation.NodeNames.IsValid(result.Config!.Name).Should().BeTrue("the coordinator issues tokens for exactly these names");
        }
        else
        {
            result.Errors.Should().ContainSingle().Which.ToString().Should().Contain(Partages.Evaluation.NodeNames.Rule);
        }
    }

    [Test]
    public void Parse_ManyProblems_ListsEveryErrorWithItsLine()
    {
        const string yaml = """
            name: CHU Valmont
            coordinator:
              url: http://coordinator:7443
              port: 7443
            heartbeat_seconds: 0
            colour: blue
            reconnect:
              initial_delay_ms: 90000
            datasets:
              - name: amr-reports
                path: ./a.jsonl
                format: parquet
              - name: amr-reports
                path: ./b.jsonl
                format: jsonl
              - name: onco
                format: jsonl
            """;

        var result = NodeConfigLoader.Parse(yaml, ConfigPath);

        result.IsValid.Should().BeFalse();
        result.Config.Should().BeNull();
        result.Errors.Select(e => (e.Line, e.Field)).Should().BeEquivalentTo(new[]
        {
            (1, "data_directory"),
            (1, "name"),
            (3, "coordinator.url"),
            (4, "coordinator.port"),
            (5, "heartbeat_seconds"),
            (6, "colour"),
            (8, "reconnect.initial_delay_ms"),
            (12, "datasets[0].format"),
            (13, "datasets[1].name"),
            (16, "datasets[2].path"),
        });
        result.Errors.Should().BeInAscendingOrder(e => e.Line);
        result.Describe().Should().Contain("line 12, column 13: datasets[0].format: 'parquet' is not a supported format (supported: ");
        result.Describe().Should().Contain("'amr-reports' is declared more than once");
    }

    [Test]
    public void Parse_NotYaml_ReportsTheLineOfTheSyntaxError()
    {
        var result = NodeConfigLoader.Parse("name: a\ncoordinator: [unclosed\n", ConfigPath);

        result.Errors.Should().ContainSingle().Which.Line.Should().BeGreaterThan(0);
        result.Errors[0].Message.Should().StartWith("is not valid YAML");
    }

    [Test]
    public void Parse_EmptyDocument_SaysWhatIsExpected()
    {
        var result = NodeConfigLoader.Parse("", ConfigPath);

        result.Errors.Should().ContainSingle().Which.Message.Should().Contain("node.example.yaml");
    }

    [Test]
    public void LoadFile_MissingFile_ReportsThePath()
    {
        using var directory = new TestDirectory();
        var path = directory.Combine("absent.yaml");

        var result = NodeConfigLoader.LoadFile(path);

        result.Errors.Should().ContainSingle().Which.Message.Should().Contain(path);
    }

    [Test]
    public void LoadFile_TheAnnotatedExample_IsValidAndDocumentsEveryField()
    {
        var path = Path.Combine(RepositoryFiles.Root, "node-agent", "node.example.yaml");
        var text = File.ReadAllText(path);

        var result = NodeConfigLoader.LoadFile(path);

        result.Errors.Should().BeEmpty();
        foreach (var field in new[] { "name:", "coordinator:", "url:", "data_directory:", "heartbeat_seconds:", "max_concurrent_runs:", "stop_grace_seconds:", "reconnect:", "initial_delay_ms:", "max_delay_seconds:", "breaker_failures:", "breaker_seconds:", "datasets:", "path:", "format:" })
        {
            text.Should().Contain(field);
        }
    }

    [Test]
    public void Parse_BratDatasetWithAnnotatorFolders_ResolvesThemAgainstTheConfigFolder()
    {
        const string yaml = "name: n\ncoordinator: {url: 'https://c:1'}\ndata_directory: d\ndatasets:\n  - name: onco\n    path: brat-a\n    format: brat\n    annotators:\n      - name: entities_b\n        path: ../brat-b\n";

        var result = NodeConfigLoader.Parse(yaml, ConfigPath);

        result.Errors.Should().BeEmpty();
        var folder = Path.GetDirectoryName(ConfigPath)!;
        result.Config!.Datasets.Single().AnnotatorFolders.Should().Equal(new AnnotatorFolder("entities_b", Path.GetFullPath(Path.Combine(folder, "..", "brat-b"))));
    }

    [TestCase("jsonl", "entities_b", "only a brat dataset has", TestName = "Parse_AnnotatorFoldersOnAJsonlDataset_RefusedWithTheReason")]
    [TestCase("brat", "entities", "the dataset's own folder", TestName = "Parse_AnnotatorFolderNamedEntities_RefusedAsTheDatasetsOwn")]
    public void Parse_AnnotatorFolders_Refused(string format, string name, string reason)
    {
        var yaml = $"name: n\ncoordinator: {{url: 'https://c:1'}}\ndata_directory: d\ndatasets:\n  - name: onco\n    path: x\n    format: {format}\n    annotators:\n      - name: {name}\n        path: y\n";

        var result = NodeConfigLoader.Parse(yaml, ConfigPath);

        result.Errors.Should().ContainSingle().Which.ToString().Should().Contain("annotators").And.Contain(reason);
    }

    [Test]
    public void AgentOptionsValidator_InvalidValues_ListsEveryFailure()
    {
        var options = new AgentOptions
        {
            HeartbeatInterval = TimeSpan.Zero,
            ReconnectInitialDelay = TimeSpan.FromMinutes(5),
            ReconnectMaxDelay = TimeSpan.FromSeconds(30),
            MaxConcurrentRuns = 0,
            ProgressStep = 2,
            DownloadChunkBytes = 10,
        };

        var result = new AgentOptionsValidator().Validate(null, options);

        result.Failed.Should().BeTrue();
        result.Failures.Should().HaveCount(5);
        result.Failures.Should().Contain(f => f.StartsWith("HeartbeatInterval", StringComparison.Ordinal));
        result.Failures.Should().Contain(f => f.StartsWith("ReconnectInitialDelay", StringComparison.Ordinal));
    }

    [Test]
    public void AgentOptions_FromConfig_TakesHeartbeatCapacityAndBackOff()
    {
        var config = NodeConfigLoader.Parse(
            "name: n\ncoordinator: {url: 'https://c:1'}\ndata_directory: d\nheartbeat_seconds: 3\nmax_concurrent_runs: 2\nstop_grace_seconds: 45\nreconnect: {initial_delay_ms: 100, max_delay_seconds: 5, breaker_failures: 7, breaker_seconds: 45}\ndatasets: [{name: a, path: a.jsonl, format: jsonl}]\n",
            ConfigPath).Config!;

        var options = AgentOptions.FromConfig(config);

        options.HeartbeatInterval.Should().Be(TimeSpan.FromSeconds(3));
        options.MaxConcurrentRuns.Should().Be(2);
        options.StopGracePeriod.Should().Be(TimeSpan.FromSeconds(45));
        options.ReconnectInitialDelay.Should().Be(TimeSpan.FromMilliseconds(100));
        options.ReconnectMaxDelay.Should().Be(TimeSpan.FromSeconds(5));
        options.LinkBreakerFailures.Should().Be(7);
        options.LinkBreakerBreak.Should().Be(TimeSpan.FromSeconds(45));
        new AgentOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
    }

    [TestCase("-1")]
    [TestCase("3601")]
    [TestCase("soon")]
    public void Parse_StopGraceSecondsOutOfRange_ErrorWithItsLine(string value)
    {
        var result = NodeConfigLoader.Parse(
            $"name: n\ncoordinator: {{url: 'https://c:1'}}\ndata_directory: d\nstop_grace_seconds: {value}\ndatasets: [{{name: a, path: a.jsonl, format: jsonl}}]\n",
            ConfigPath);

        result.Errors.Should().ContainSingle().Which.Should().Match<YamlError>(e => e.Field == "stop_grace_seconds" && e.Line == 4);
    }

    [Test]
    public void Parse_NoStopGraceSeconds_ThirtySecondsAndZeroIsAllowed()
    {
        const string yaml = "name: n\ncoordinator: {url: 'https://c:1'}\ndata_directory: d\ndatasets: [{name: a, path: a.jsonl, format: jsonl}]\n";

        NodeConfigLoader.Parse(yaml, ConfigPath).Config!.StopGraceSeconds.Should().Be(30);
        NodeConfigLoader.Parse(yaml + "stop_grace_seconds: 0\n", ConfigPath).Config!.StopGraceSeconds.Should().Be(0);
    }
}
