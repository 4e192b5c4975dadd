import { describe, expect, it } from 'vitest';
import { lanes, renderTimeline } from '../../scripts/report/svg.ts';
import { drill, records } from './fixture.ts';

const attr = (el: string, name: string) => Number(new RegExp(`${name}="([\\d.]+)"`).exec(el)![1]);

describe('SVG timeline', () => {
  const svg = renderTimeline(drill, records);

  it('is one SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('draws one mark per request, coloured by outcome', () => {
    expect(svg.match(/class="req ok"/g)).toHaveLength(397);
    expect(svg.match(/class="req failed"/g)).toHaveLength(3);
  });

  it('shades the fault window from the halt to the restart, in proportion to the timeline', () => {
    const fault = /<rect class="fault"[^>]*>/.exec(svg)![0];
    // 40 s over 850 px starting at x=90: the halt at 10 s is at 302.5, the window 212.5 wide.
    expect(attr(fault, 'x')).toBeCloseTo(302.5, 1);
    expect(attr(fault, 'width')).toBeCloseTo(212.5, 1);
    expect(svg).toContain('<rect class="recovery"');
  });

  it('puts each success on its web node lane and failures on the last lane', () => {
    expect(lanes(records)).toEqual(['web1', 'web2', 'no answer']);
    const failed = [...svg.matchAll(/<rect class="req failed"[^>]*>/g)].map((m) => attr(m[0], 'y'));
    expect(new Set(failed)).toEqual(new Set([40 + 2 * 28 + 4]));
    expect(svg).toContain('>web2</text>');
  });

  it('escapes what the server sent', () => {
    const odd = [{ ...records[0]!, ok: false, err: '<b>"x" & y</b>' }];
    expect(renderTimeline(drill, odd)).toContain('&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;');
  });
});
