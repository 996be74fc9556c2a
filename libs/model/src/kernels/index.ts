export { ADAM, adamUpdate, type AdamAttrs } from './adam.js';
export { MAT_MUL, matMul } from './matmul.js';
