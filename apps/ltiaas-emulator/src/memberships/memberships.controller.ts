import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ContextAuth } from '../auth/auth.service';
import { CallerContext, LtiaasEndpoint } from '../auth/ltiaas-endpoint.decorator';
import { parseLtiaas } from '../common/validation';
import { MembershipPage, MembershipsQuery, MembershipsService } from './memberships.service';

@ApiTags('LTIAAS: memberships')
@Controller('api/memberships')
export class MembershipsController {
  constructor(private readonly memberships: MembershipsService) {}

  @Get()
  @LtiaasEndpoint({ name: 'memberships', auth: ['LTIK', 'SVC'], service: 'nrps' })
  @ApiOperation({ summary: 'Course roster; filters role, resourceLinkId, limit; next page via url' })
  list(@CallerContext() caller: ContextAuth, @Query() query: unknown): MembershipPage {
    return this.memberships.list(caller, parseLtiaas(MembershipsQuery, query, 'query'));
  }
}
