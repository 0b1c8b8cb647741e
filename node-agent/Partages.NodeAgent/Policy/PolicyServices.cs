using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Partages.Evaluation;
using Partages.NodeAgent.Audit;
using Partages.NodeAgent.Hosting;
using Partages.NodeAgent.ReleaseGate;

namespace Partages.NodeAgent.Policy;

/// <summary>The policy file is invalid or missing; <see cref="Errors"/> lists every problem.</summary>
public sealed class NodePolicyException : Exception
{
    public NodePolicyException(IReadOnlyList<YamlError> errors)
        : base("The node policy is not valid: " + string.Join("; ", errors)) => Errors = errors;

    public NodePolicyException()
    {
    }

    public NodePolicyException(string message)
        : base(message)
    {
    }

    public NodePolicyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IReadOnlyList<YamlError> Errors { get; } = [];
}

public static partial class PolicyServices
{
    /// <summary>
    /// The <see cref="NodePolicy"/> (registered earlier by <c>run</c> or a test, else loaded from node.yaml's
    /// <c>policy</c> file — an invalid one stops the host), the snapshot inspector, and the start of the audit trail.
    /// </summary>
    public static IServiceCollection AddNodePolicy(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var result = PolicyLoader.LoadFor(sp.GetRequiredService<NodeConfig>());
            return result.IsValid && result.Policy is not null ? result.Policy : throw new NodePolicyException(result.Errors);
        });
        // Hello announces what the node will accept: the smaller of node.yaml's and the policy's limits.
        services.AddOptions<AgentOptions>().PostConfigure<NodePolicy>((options, policy) =>
            options.MaxConcurrentRuns = Math.Min(options.MaxConcurrentRuns, policy.Limits.MaxConcurrentRuns));
        services.TryAddSingleton<SnapshotInspector>();
        services.AddHostedService<AuditTrailStart>();
        return services;
    }

    /// <summary>Records agent_started and policy_loaded (with the policy file's hash) before the session begins.</summary>
    private sealed partial class AuditTrailStart(NodePolicy policy, IAuditLog audit, PrivacyAccountant accountant, ILogger<AuditTrailStart> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            audit.Append(new AuditEntry(AuditEvents.AgentStarted) { AgentVersion = AgentInfo.AgentVersion, By = Environment.UserName });
            audit.Append(new AuditEntry(AuditEvents.PolicyLoaded)
            {
                PolicySha256 = policy.SourceSha256,
                Decision = policy.Approval == ApprovalMode.Manual ? "approval: manual" : "approval: auto",
            });
            LogPolicy(logger, policy.SourcePath, policy.SourceSha256, policy.Approval, policy.Datasets.Count);
            if (policy.Models.TrustedSigners.Count == 0 && policy.Models.PinnedBundles.Count == 0)
            {
                LogNoModelTrusted(logger);
            }

            foreach (var dataset in policy.Datasets.Where(d => !d.DifferentialPrivacy.Enabled))
            {
                LogPrivacyOff(logger, dataset.Name);
            }

            // A budget never renews by itself: a different one is an edit of the policy, recorded as such.
            var budgets = policy.Datasets.Where(d => d.DifferentialPrivacy.Enabled).Select(d => (d.Name, d.DifferentialPrivacy.EpsilonBudget));
            foreach (var (dataset, previous, current) in accountant.RecordBudgets(budgets))
            {
                audit.Append(new AuditEntry(AuditEvents.PrivacyBudgetChanged)
                {
                    Dataset = dataset,
                    PolicySha256 = policy.SourceSha256,
                    Decision = string.Create(CultureInfo.InvariantCulture, $"epsilon_budget {(previous is { } p ? p.ToString("0.###", CultureInfo.InvariantCulture) : "none")} -> {current:0.###}"),
                    By = "policy",
                });
                LogBudgetChanged(logger, dataset, previous, current);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = 810, Level = LogLevel.Information, Message = "Policy {Path} (sha256 {Sha256}): approval {Approval}, {Datasets} dataset(s) exposed")]
        private static partial void LogPolicy(ILogger logger, string path, string sha256, ApprovalMode approval, int datasets);

        [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "The policy trusts no model signer and pins no bundle: every model will be refused")]
        private static partial void LogNoModelTrusted(ILogger logger);

        [LoggerMessage(EventId = 812, Level = LogLevel.Warning, Message = "Differential privacy is off for dataset {Dataset} (differential_privacy: off): its results leave as exact counts")]
        private static partial void LogPrivacyOff(ILogger logger, string dataset);

        [LoggerMessage(EventId = 813, Level = LogLevel.Warning, Message = "The privacy budget of dataset {Dataset} changed since the last start: ε {Previous} -> {Current} (audited)")]
        private static partial void LogBudgetChanged(ILogger logger, string dataset, double? previous, double current);
    }
}
