{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "partages-node-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's resources: <release>-<chart>, or the release name alone when it already
contains the chart name. Truncated to 63 characters.
*/}}
{{- define "partages-node-agent.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "partages-node-agent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every resource.
*/}}
{{- define "partages-node-agent.labels" -}}
helm.sh/chart: {{ include "partages-node-agent.chart" . }}
{{ include "partages-node-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: partages
app.kubernetes.io/component: node-agent
{{- end }}

{{/*
Selector labels: stable for the life of the release (a Deployment's selector is immutable).
*/}}
{{- define "partages-node-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "partages-node-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of the ServiceAccount to use.
*/}}
{{- define "partages-node-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "partages-node-agent.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Container image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "partages-node-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/*
Name of the PVC holding the node data directory.
*/}}
{{- define "partages-node-agent.claimName" -}}
{{- if .Values.persistence.existingClaim }}
{{- .Values.persistence.existingClaim }}
{{- else }}
{{- printf "%s-data" (include "partages-node-agent.fullname" .) }}
{{- end }}
{{- end }}

{{/*
Name of the Secret with the enrollment token and the CA pin.
*/}}
{{- define "partages-node-agent.enrollmentSecretName" -}}
{{- if .Values.enrollment.existingSecret }}
{{- .Values.enrollment.existingSecret }}
{{- else }}
{{- printf "%s-enrollment" (include "partages-node-agent.fullname" .) }}
{{- end }}
{{- end }}

{{/*
Key names in the enrollment Secret: the chart-managed Secret always uses token / ca-sha256.
*/}}
{{- define "partages-node-agent.tokenKey" -}}
{{- if .Values.enrollment.existingSecret }}{{ .Values.enrollment.tokenKey }}{{ else }}token{{ end }}
{{- end }}
{{- define "partages-node-agent.caSha256Key" -}}
{{- if .Values.enrollment.existingSecret }}{{ .Values.enrollment.caSha256Key }}{{ else }}ca-sha256{{ end }}
{{- end }}

{{/*
Fixed paths, shared by the ConfigMap, the Deployment, the probes and the image.
*/}}
{{- define "partages-node-agent.dataDir" -}}
/var/lib/partages-node
{{- end }}
{{- define "partages-node-agent.configDir" -}}
/etc/partages
{{- end }}

{{/*
node.yaml, rendered from values. It follows the agent's own rules (Configuration/NodeConfigLoader.cs in
node-agent/Partages.NodeAgent), so that mistakes fail at install time rather than in the pod. The agent
rejects unknown keys.
*/}}
{{- /* policy.yaml: the chart value `policy` as it is; the agent validates it (every error with its line) and refuses to run without it. */ -}}
{{- define "partages-node-agent.policyYaml" -}}
{{- if not .Values.policy }}
{{- fail "policy is required: the node policy (datasets with snapshot_sha256 and legal_basis, models, tasks, approval); node-agent/policy.example.yaml documents every field" }}
{{- end -}}
# Partages node policy, rendered by the partages-node-agent Helm chart from the value `policy`.
{{ toYaml .Values.policy }}
{{- end }}

{{- define "partages-node-agent.nodeYaml" -}}
{{- $slug := "^[a-z0-9][a-z0-9_-]{0,62}$" }}
{{- $name := required "node.name is required: the node name given to `admin enrollment-token --node`" .Values.node.name }}
{{- if not (regexMatch $slug $name) }}
{{- fail (printf "node.name %q must be 1-63 characters of lowercase letters, digits, '-' or '_', starting with a letter or digit" $name) }}
{{- end }}
{{- $url := required "coordinator.url is required, e.g. https://coordinator.partages.example:7443" .Values.coordinator.url }}
{{- $parsed := urlParse $url }}
{{- if or (ne $parsed.scheme "https") (not $parsed.host) }}
{{- fail (printf "coordinator.url must be an https:// address (got %q): the agent only speaks mTLS" $url) }}
{{- end }}
{{- if or (not (has $parsed.path (list "" "/"))) $parsed.query $parsed.fragment }}
{{- fail (printf "coordinator.url must be the coordinator's base address, scheme, host and port only, no path (got %q)" $url) }}
{{- end }}
{{- if not .Values.datasets.items }}
{{- fail "datasets.items must list at least one dataset (name, path, format): a node exposes at least one" }}
{{- end }}
{{- $mount := trimSuffix "/" .Values.datasets.mountPath -}}
# Partages node agent configuration, rendered by the partages-node-agent Helm chart.
# Change it through the chart values (helm upgrade), not here.
name: {{ $name | quote }}
coordinator:
  url: {{ $url | quote }}
# Identity (identity/node.key, identity/node.crt), model bundles (artifacts/) and the audit log (audit/).
data_directory: {{ include "partages-node-agent.dataDir" . | quote }}
heartbeat_seconds: {{ int .Values.heartbeatSeconds }}
max_concurrent_runs: {{ int .Values.maxConcurrentRuns }}
{{- $grace := int .Values.stopGraceSeconds }}
{{- if or (lt $grace 0) (gt $grace 3600) }}
{{- fail (printf "stopGraceSeconds must be within 0..3600 (got %d)" $grace) }}
{{- end }}
{{- if lt (int .Values.terminationGracePeriodSeconds) (add $grace 15) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least stopGraceSeconds + 15 (%d): Kubernetes would kill the agent before it hands its runs back" (int .Values.terminationGracePeriodSeconds) (add $grace 15)) }}
{{- end }}
# On SIGTERM: seconds the runs in progress get to finish before they are handed back to the coordinator.
stop_grace_seconds: {{ $grace }}
# The hospital's node policy (chart value `policy`), beside this file in the same ConfigMap.
policy: ./policy.yaml
datasets:
{{- $seen := dict }}
{{- range $i, $d := .Values.datasets.items }}
{{- $dname := required (printf "datasets.items[%d].name is required" $i) $d.name }}
{{- $dpath := required (printf "datasets.items[%d].path is required" $i) $d.path }}
{{- $dformat := required (printf "datasets.items[%d].format is required (e.g. jsonl)" $i) $d.format }}
{{- if not (regexMatch $slug $dname) }}
{{- fail (printf "datasets.items[%d].name %q must be lowercase letters, digits, '-' or '_' (the name specs ask for)" $i $dname) }}
{{- end }}
{{- if hasKey $seen $dname }}
{{- fail (printf "datasets.items[%d].name %q is declared more than once" $i $dname) }}
{{- end }}
{{- $_ := set $seen $dname true }}
  - name: {{ $dname | quote }}
    path: {{ ternary $dpath (printf "%s/%s" $mount $dpath) (hasPrefix "/" $dpath) | quote }}
    format: {{ $dformat | quote }}
{{- end }}
{{- with (omit .Values.extraConfig "name" "coordinator" "data_directory" "heartbeat_seconds" "max_concurrent_runs" "stop_grace_seconds" "datasets") }}
{{ toYaml . }}
{{- end }}
{{- end }}
