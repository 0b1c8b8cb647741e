{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "partages-coordinator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's resources: <release>-<chart>, or the release name alone when it already
contains the chart name. Truncated to 63 characters.
*/}}
{{- define "partages-coordinator.fullname" -}}
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
{{- define "partages-coordinator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every resource.
*/}}
{{- define "partages-coordinator.labels" -}}
helm.sh/chart: {{ include "partages-coordinator.chart" . }}
{{ include "partages-coordinator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: partages
app.kubernetes.io/component: coordinator
{{- end }}

{{/*
Selector labels: stable for the life of the release (a Deployment's selector is immutable).
*/}}
{{- define "partages-coordinator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "partages-coordinator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Name of the ServiceAccount to use.
*/}}
{{- define "partages-coordinator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "partages-coordinator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Container image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "partages-coordinator.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/*
Name of the PVC holding the data directory.
*/}}
{{- define "partages-coordinator.claimName" -}}
{{- if .Values.persistence.existingClaim }}
{{- .Values.persistence.existingClaim }}
{{- else }}
{{- printf "%s-data" (include "partages-coordinator.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The data directory inside the container (fixed: the image, the probes and the admin commands in
NOTES.txt all use it).
*/}}
{{- define "partages-coordinator.dataDir" -}}
/var/lib/partages
{{- end }}

{{/*
Several replicas: the headless Service giving each StatefulSet pod a stable DNS name.
*/}}
{{- define "partages-coordinator.replicasServiceName" -}}
{{- printf "%s-replicas" (include "partages-coordinator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The in-cluster names the gateway dials, as a YAML list: with several replicas each pod's stable name
(<pod>.<headless service>.<namespace>.svc), with one the Service's name. They are added to the server certificate's
SANs (the gateway checks the name it dialled).
*/}}
{{- define "partages-coordinator.internalHostNames" -}}
{{- $names := list }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- range $i := until (int .Values.replicaCount) }}
{{- $names = append $names (printf "%s-%d.%s.%s.svc" (include "partages-coordinator.fullname" $) $i (include "partages-coordinator.replicasServiceName" $) $.Release.Namespace) }}
{{- end }}
{{- else if .Values.gateway.enabled }}
{{- $names = append $names (printf "%s.%s.svc" (include "partages-coordinator.fullname" .) .Release.Namespace) }}
{{- end }}
{{- toYaml $names }}
{{- end }}

{{/*
The gateway's resources: their own name and selector labels, so that the coordinator's Service (which selects on the
chart's name and the release) never sends node traffic to a gateway pod.
*/}}
{{- define "partages-coordinator.gatewayName" -}}
{{- printf "%s-gateway" (include "partages-coordinator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "partages-coordinator.gatewaySelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-gateway" (include "partages-coordinator.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "partages-coordinator.gatewayLabels" -}}
helm.sh/chart: {{ include "partages-coordinator.chart" . }}
{{ include "partages-coordinator.gatewaySelectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: partages
app.kubernetes.io/component: gateway
{{- end }}
