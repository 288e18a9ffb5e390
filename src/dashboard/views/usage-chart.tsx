export interface DailyCount {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  count: number;
}

const WIDTH = 210;
const HEIGHT = 60;

/**
 * Requests per day as bars, drawn on the server: an inline SVG, so no script or image request.
 * The numbers are also in the title and the text alternative for screen readers.
 */
export function UsageChart({ days, label }: { days: DailyCount[]; label: string }) {
  const max = Math.max(1, ...days.map((d) => d.count));
  const barWidth = WIDTH / Math.max(days.length, 1);
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const summary = `${label}: ${total} ${total === 1 ? "request" : "requests"} in the last ${days.length} days`;
  return (
    <svg
      class="chart"
      role="img"
      aria-label={summary}
      width={WIDTH}
      height={HEIGHT + 12}
      viewBox={`0 0 ${WIDTH} ${HEIGHT + 12}`}
    >
      <title>{summary}</title>
      {days.map((d, i) => {
        const height = Math.round((d.count / max) * HEIGHT);
        return (
          <rect
            x={i * barWidth + 1}
            y={HEIGHT - height}
            width={Math.max(barWidth - 2, 1)}
            height={height}
            fill="#0b57d0"
          >
            <title>{`${d.day}: ${d.count}`}</title>
          </rect>
        );
      })}
      <line x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} stroke="#6b7280" stroke-width="1" />
      <text x="0" y={HEIGHT + 11}>
        {days[0]?.day.slice(5) ?? ""}
      </text>
      <text x={WIDTH} y={HEIGHT + 11} text-anchor="end">
        {days.at(-1)?.day.slice(5) ?? ""}
      </text>
    </svg>
  );
}
