{{/* Names, labels and small computed values shared by every template. */}}

{{- define "vipd.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vipd.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "vipd.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "vipd.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vipd.labels" -}}
app.kubernetes.io/name: {{ include "vipd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "vipd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vipd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "vipd.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "vipd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "vipd.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The speaker's grace period: never shorter than the drain period plus time to close sessions. */}}
{{- define "vipd.terminationGrace" -}}
{{- max (int .Values.speaker.terminationGracePeriodSeconds) (add (int .Values.settings.drainPeriodSec) 15) -}}
{{- end -}}

{{/* Hardened container security context; $caps lists the capabilities to add (may be empty). */}}
{{- define "vipd.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
  {{- with .caps }}
  add: {{ toJson . }}
  {{- end }}
{{- if .root }}
runAsUser: 0
runAsNonRoot: false
{{- else }}
runAsUser: 65532
runAsGroup: 65532
runAsNonRoot: true
{{- end }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}
