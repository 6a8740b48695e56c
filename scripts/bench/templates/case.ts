// The templates bench's input: a 200-line confd-style Go template over 1000 keys, and its data.
// Shared by the bench (which writes it as one oracle case) and nothing else.
export function benchData(): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (let i = 0; i < 1000; i++) {
    keys[`/svc/key${String(i).padStart(4, '0')}`] = {
      value: `10.${i >> 8}.${i & 255}.1`,
      port: 8000 + i,
      weight: (i % 7) / 3,
      enabled: i % 5 !== 0,
      tags: ['a', 'b', `t${i % 3}`],
    };
  }
  return { keys, name: 'bench', domain: 'example.org' };
}

// 200 lines, confd style: a header, four loops over the 1000 keys, then one lookup per line.
export function benchTemplate(): string {
  const lines: string[] = [
    '# generated for {{.name}}.{{.domain}}',
    '{{- define "row"}}{{.value}}|{{html .value}}|{{js .value}}{{end -}}',
    '{{- $total := len .keys}}',
    '# {{$total}} keys',
  ];
  const sections = [
    ['{{range $k, $v := .keys}}{{if $v.enabled}}', 'server {{$k}} {{$v.value}}:{{printf "%.0f" $v.port}} weight={{printf "%.2f" $v.weight}}', '{{end}}{{end}}'],
    ['{{range $k, $v := .keys -}}', '{{- if and $v.enabled (gt $v.weight 1.0)}}heavy {{$k}}{{"\\n"}}{{end}}', '{{- end}}'],
    ['{{range .keys}}{{with .tags}}', '{{index . 2}}{{len .}} {{end}}{{end}}'],
    ['{{range .keys}}{{template "row" .}}', '{{end}}'],
    ['{{if gt $total 10}}', 'many keys: {{$total}} {{printf "%5d|%-8s|%x" $total .name .domain}}', '{{else}}few{{end}}'],
  ];
  // Four loops over all keys (as confd templates do), then per-key lookups line by line.
  for (const section of sections.slice(0, 4)) lines.push(...section);
  lines.push(...(sections[4] as string[]));
  for (let i = 0; lines.length < 196; i++) {
    const key = `/svc/key${String((i * 37) % 1000).padStart(4, '0')}`;
    lines.push(`upstream_${i} {{with index .keys "${key}"}}{{.value}}:{{printf "%.0f" .port}}{{if .enabled}} on{{end}}{{end}}`);
  }
  while (lines.length < 200) lines.push(`# {{.name}} line ${lines.length + 1}`);
  return `${lines.join('\n')}\n`;
}
