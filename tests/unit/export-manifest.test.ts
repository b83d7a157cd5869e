import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '@/lib/export/export';
import { exportOptionsSchema } from '@/lib/export/queue';

describe('manifest.csv cells', () => {
  it('neutralises cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1')).toBe(`"'+1"`);
    expect(csvCell('-2+3')).toBe(`"'-2+3"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('\tcmd')).toBe(`"'\tcmd"`);
    expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
  });

  it('quotes commas, quotes and line breaks and leaves plain cells alone', () => {
    expect(csvCell('holiday, 2024/a "b".jpg')).toBe('"holiday, 2024/a ""b"".jpg"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('a=b.jpg')).toBe('a=b.jpg'); // only a leading sign is a formula
    expect(csvCell('12.5 3 40 40')).toBe('12.5 3 40 40');
    expect(csvCell(null)).toBe('');
    expect(csvRow(['x', '=1', 2])).toBe(`x,"'=1",2`);
  });
});

describe('export options', () => {
  it('default to every class, every split, crops; keep the class order; refuse no class or an unknown split', () => {
    expect(exportOptionsSchema.parse({})).toEqual({ content: 'crops', classes: ['mask_old', 'mask_young', 'nomask_old', 'nomask_young'], split: 'all' });
    expect(exportOptionsSchema.parse({ classes: ['nomask_young', 'mask_old'], split: 'val', content: 'photos' })).toEqual({
      content: 'photos',
      classes: ['mask_old', 'nomask_young'],
      split: 'val',
    });
    expect(exportOptionsSchema.safeParse({ classes: [] }).success).toBe(false);
    expect(exportOptionsSchema.safeParse({ split: 'valid' }).success).toBe(false);
    expect(exportOptionsSchema.safeParse({ classes: ['cat'] }).success).toBe(false);
  });
});
