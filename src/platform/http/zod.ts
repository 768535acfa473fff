import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// One extended zod for every schema that is also documented, so `.openapi()` is always available.
extendZodWithOpenApi(z);

export { z };
