/**
 * Figures other papers publish for AGIQA-3K (visual-quality MOS), shown in Table 3 as
 * reported-only rows beside the reproduced paper's own comparison, so a reproduction is seen
 * against today's best. Each row carries its citation and, field by field, the protocol its
 * sources state; "not stated" means the sources checked here do not say, not that there was none.
 * Protocols differ from this platform's (and from each other's): never read a gap as a gain.
 */
export const PUBLISHED_RESULTS = {
  note: "Figures as cited in the project's issue #9 (Table 3 additions); check them against each publication before citing them.",
  agiqa3k: [
    {
      method: 'IPCE',
      srcc: 0.8841,
      plcc: 0.9246,
      citation: {
        reference: 'F. Peng, H. Fu, A. Ming, C. Wang, H. Ma, S. He, Z. Dou, S. Chen. AIGC Image Quality Assessment via Image-Prompt Correspondence. CVPR Workshops (NTIRE), 2024.',
        url: 'https://doi.org/10.1109/CVPRW63382.2024.00644',
      },
      protocol: {
        splitUnit: 'not stated (the public repository, github.com/pf0607/IPCE, gives no split)',
        repeats: 'not stated',
        epochSelection: 'not stated',
      },
    },
    {
      method: 'M3-AGIQA',
      srcc: 0.9045,
      plcc: 0.9317,
      citation: {
        reference: 'C. Cui, K. Chen, Z. Wei, W. Shen, W. Zhang, N. Yu. M3-AGIQA: Multimodal, Multi-Round, Multi-Aspect AI-Generated Image Quality Assessment. arXiv:2502.15167, 2025.',
        url: 'https://arxiv.org/abs/2502.15167',
      },
      protocol: {
        splitUnit: 'unit not stated; 80:20 train:validation ratio in the public config (cfg/minicpm-xlstm-agiqa-3k.yaml)',
        repeats: 'not stated',
        epochSelection:
          'best validation-SRCC checkpoint; with no test split configured the public code (main.py) tests on the validation split, i.e. selects on the split it reports',
      },
    },
  ],
} as const;
