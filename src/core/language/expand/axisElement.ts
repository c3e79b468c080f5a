/**
 * One value along one axis of a block's expansion — a sweep value or a data
 * row. Its own file because block plans and data plans both make them.
 */
import type { SourceRange } from '../../models';
import type { DataRow } from '../data/dataFiles';

export interface AxisElement {
  /** Checked and normalised for parameters; as written for variables. */
  readonly value: unknown;
  readonly range: SourceRange;
  readonly label: string;
  /** A problem was reported: combinations using this element are left out. */
  readonly invalid: boolean;
  /** Strings inside hold placeholders, so the value is completed per request. */
  readonly dynamic: boolean;
  readonly row?: DataRow;
}
