// helm-render renders a Helm chart the way `helm template` does, for tests on machines without helm:
// Go text/template + sprig (what Helm's engine is built from) plus Helm's built-ins the vipd chart uses:
// include, tpl, required, fail, toYaml, fromYaml, toJson (sprig), lookup (always empty, as in
// `helm template`), .Values (chart values.yaml deep-merged with -f files in order), .Release, .Chart,
// .Capabilities (KubeVersion, APIVersions.Has), .Files (Get, GetBytes, Glob, Lines, AsConfig) and .Template.
// Like Helm it parses every template (and _*.tpl partials) into one set, renders the non-partials in
// name order, drops documents that render empty, and fails on any template error ("missingkey=zero").
//
// Build offline with Debian's Go and sprig: GO111MODULE=off GOPATH=/usr/share/gocode go build .
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type apiVersions []string

// Has reports whether an API group/version (or group/version/Kind) is available, like Helm's.
func (a apiVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type files struct {
	root  string
	names []string
}

func (f files) GetBytes(name string) []byte {
	b, err := os.ReadFile(filepath.Join(f.root, filepath.FromSlash(name)))
	if err != nil {
		return nil
	}
	return b
}
func (f files) Get(name string) string { return string(f.GetBytes(name)) }
func (f files) Lines(name string) []string {
	s := f.Get(name)
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}

// Glob returns the matching files (as Helm's Files object) so that .AsConfig / .AsSecrets work on it.
func (f files) Glob(pattern string) files {
	out := files{root: f.root}
	for _, n := range f.names {
		if ok, _ := path.Match(pattern, n); ok {
			out.names = append(out.names, n)
		}
	}
	return out
}

// AsConfig renders the files as a YAML map of base name → content, for a ConfigMap's data.
func (f files) AsConfig() string {
	m := map[string]interface{}{}
	for _, n := range f.names {
		m[path.Base(n)] = f.Get(n)
	}
	return toYAML(m)
}

func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	_ = enc.Close()
	return strings.TrimSuffix(buf.String(), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

// merge deep-merges src into dst (maps merge, everything else is replaced), as Helm merges values files.
func merge(dst, src map[string]interface{}) map[string]interface{} {
	for k, v := range src {
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				dst[k] = merge(dm, sm)
				continue
			}
		}
		if v == nil {
			delete(dst, k)
			continue
		}
		dst[k] = v
	}
	return dst
}

func readYAMLMap(file string) (map[string]interface{}, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	m := map[string]interface{}{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return m, nil
}

func main() {
	var valueFiles multiFlag
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("name", "vipd", "release name")
	namespace := flag.String("namespace", "vipd-system", "release namespace")
	kubeVersion := flag.String("kube-version", "v1.31.0", "Kubernetes version for .Capabilities")
	var apis multiFlag
	includeCRDs := flag.Bool("include-crds", false, "print crds/ first, as helm template --include-crds")
	showNotes := flag.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	flag.Var(&valueFiles, "f", "values file (repeatable, later wins)")
	flag.Var(&apis, "api-versions", "extra API versions for .Capabilities.APIVersions (repeatable)")
	flag.Parse()
	if err := run(*chartDir, *release, *namespace, *kubeVersion, apis, valueFiles, *includeCRDs, *showNotes); err != nil {
		fmt.Fprintln(os.Stderr, "helm-render:", err)
		os.Exit(1)
	}
}

func run(chartDir, release, namespace, kubeVersion string, extraAPIs, valueFiles []string, includeCRDs, showNotes bool) error {
	if chartDir == "" {
		return errors.New("-chart is required")
	}
	chartMeta, err := readYAMLMap(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	values, err := readYAMLMap(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range valueFiles {
		m, err := readYAMLMap(f)
		if err != nil {
			return err
		}
		values = merge(values, m)
	}
	// Helm exposes Chart.yaml fields with capitalised names.
	chart := map[string]interface{}{}
	for k, v := range chartMeta {
		chart[strings.ToUpper(k[:1])+k[1:]] = v
	}
	var allFiles []string
	_ = filepath.Walk(chartDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(chartDir, p)
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "templates/") {
			allFiles = append(allFiles, rel)
		}
		return nil
	})
	sort.Strings(allFiles)
	major, minor := "1", "31"
	if parts := strings.Split(strings.TrimPrefix(kubeVersion, "v"), "."); len(parts) >= 2 {
		major, minor = parts[0], parts[1]
	}
	baseAPIs := apiVersions{"v1", "apps/v1", "rbac.authorization.k8s.io/v1", "coordination.k8s.io/v1",
		"discovery.k8s.io/v1", "policy/v1", "networking.k8s.io/v1", "apiextensions.k8s.io/v1", "scheduling.k8s.io/v1"}
	top := map[string]interface{}{
		"Values":  values,
		"Chart":   chart,
		"Release": map[string]interface{}{"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": kubeVersion, "GitVersion": kubeVersion, "Major": major, "Minor": minor},
			"APIVersions": append(baseAPIs, extraAPIs...),
		},
		"Files": files{root: chartDir, names: allFiles},
	}

	tplDir := filepath.Join(chartDir, "templates")
	entries, err := os.ReadDir(tplDir)
	if err != nil {
		return err
	}
	root := template.New("chart").Option("missingkey=zero")
	var includeDepth int
	funcs := sprig.TxtFuncMap()
	funcs["toYaml"] = func(v interface{}) string { return toYAML(v) }
	funcs["fromYaml"] = fromYAML
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	funcs["lookup"] = func(string, string, string, string) map[string]interface{} { return map[string]interface{}{} }
	funcs["include"] = func(name string, data interface{}) (string, error) {
		includeDepth++
		defer func() { includeDepth-- }()
		if includeDepth > 100 {
			return "", errors.New("include: recursion too deep")
		}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	root.Funcs(funcs)

	var names []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := "templates/" + e.Name()
		b, err := os.ReadFile(filepath.Join(tplDir, e.Name()))
		if err != nil {
			return err
		}
		if _, err := root.New(name).Parse(string(b)); err != nil {
			return err
		}
		names = append(names, name)
	}
	sort.Strings(names)

	var out bytes.Buffer
	if includeCRDs && !showNotes {
		crds, _ := filepath.Glob(filepath.Join(chartDir, "crds", "*.yaml"))
		sort.Strings(crds)
		for _, c := range crds {
			b, err := os.ReadFile(c)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(filepath.Dir(chartDir), c)
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", filepath.ToSlash(rel), strings.TrimRight(string(b), "\n"))
		}
	}
	chartName, _ := chart["Name"].(string)
	for _, name := range names {
		base := path.Base(name)
		isNotes := base == "NOTES.txt"
		if strings.HasPrefix(base, "_") || isNotes != showNotes {
			continue
		}
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": chartName + "/" + name, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return err
		}
		if isNotes {
			out.Write(buf.Bytes())
			continue
		}
		for _, doc := range splitDocs(buf.String()) {
			fmt.Fprintf(&out, "---\n# Source: %s/%s\n%s\n", chartName, name, doc)
		}
	}
	_, err = os.Stdout.Write(out.Bytes())
	return err
}

// splitDocs splits a rendered template on YAML document separators and drops empty documents.
func splitDocs(s string) []string {
	var docs []string
	for _, d := range strings.Split("\n"+s, "\n---") {
		trimmed := strings.TrimSpace(d)
		if trimmed == "" {
			continue
		}
		onlyComments := true
		for _, line := range strings.Split(trimmed, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				onlyComments = false
				break
			}
		}
		if !onlyComments {
			docs = append(docs, strings.Trim(d, "\n"))
		}
	}
	return docs
}
