export { interfaceNameProblem } from './iface.ts';
