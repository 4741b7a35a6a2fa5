/** Start-time checks of declared aggregations and alert rules: one line per problem, with its path. */
import type { HeraldConfig } from "../config-types.js";
import { compileAggregation } from "./aggregation.js";
import { compileRule } from "./alerts/rule.js";

export function computeConfigProblems(config: HeraldConfig): string[] {
  const problems: string[] = [];
  const { compute, alerts } = config;
  const names = new Set<string>();
  compute.aggregations.forEach((spec, i) => {
    try {
      const def = compileAggregation(spec, compute);
      if (names.has(def.name)) problems.push(`config.compute.aggregations[${i}]: name "${def.name}" is declared twice`);
      names.add(def.name);
    } catch (err) {
      problems.push(`config.compute.aggregations[${i}]: ${(err as Error).message}`);
    }
  });
  const ids = new Set<string>();
  alerts.rules.forEach((spec, i) => {
    try {
      const rule = compileRule(spec);
      if (ids.has(rule.id)) problems.push(`config.alerts.rules[${i}]: id "${rule.id}" is declared twice`);
      ids.add(rule.id);
    } catch (err) {
      problems.push(`config.alerts.rules[${i}]: ${(err as Error).message}`);
    }
  });
  if (alerts.rules.length > 0 && !compute.enabled) problems.push("config.alerts.rules needs compute.enabled: true");
  if (compute.aggregations.length > 0 && !compute.enabled) {
    problems.push("config.compute.aggregations needs compute.enabled: true");
  }
  return problems;
}
