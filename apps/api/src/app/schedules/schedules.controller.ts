import { ScheduleDetailSchema, ScheduleRowSchema } from '@agiqa/contracts';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { Doc } from '../openapi/endpoint-doc.js';
import { CreateScheduleDto } from './schedules.dto.js';
import { SchedulesService } from './schedules.service.js';

@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @Doc({
    summary: 'Schedule retraining of a grid on a cron or interval spec (overlap policy skip by default)',
    description: 'Each firing creates a sweep linked to the schedule. 503 with nothing created when Temporal is down.',
    response: { name: 'ScheduleDetail', schema: ScheduleDetailSchema },
  })
  create(@Body() body: CreateScheduleDto) {
    return this.schedules.create(body);
  }

  @Get()
  @Doc({ summary: 'List schedules with their next firing', response: { name: 'ScheduleList', schema: z.array(ScheduleRowSchema) } })
  list() {
    return this.schedules.list();
  }

  @Get(':id')
  @Doc({ summary: 'A schedule, with upcoming and recent firings from Temporal', response: { name: 'ScheduleDetail', schema: ScheduleDetailSchema } })
  get(@Param('id') id: string) {
    return this.schedules.get(id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Doc({ summary: 'Pause a schedule (a running sweep goes on)', response: { name: 'ScheduleDetail', schema: ScheduleDetailSchema } })
  pause(@Param('id') id: string) {
    return this.schedules.pause(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Doc({ summary: 'Resume a paused schedule', response: { name: 'ScheduleDetail', schema: ScheduleDetailSchema } })
  resume(@Param('id') id: string) {
    return this.schedules.resume(id);
  }

  @Post(':id/trigger')
  @HttpCode(200)
  @Doc({ summary: 'Fire a schedule now (creates a sweep linked to it)', response: { name: 'ScheduleDetail', schema: ScheduleDetailSchema } })
  trigger(@Param('id') id: string) {
    return this.schedules.trigger(id);
  }

  @Delete(':id')
  @Doc({ summary: 'Delete a schedule (its sweeps stay)', response: { name: 'ScheduleRow', schema: ScheduleRowSchema } })
  remove(@Param('id') id: string) {
    return this.schedules.remove(id);
  }
}
